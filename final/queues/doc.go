// Package queues coordinates producer and consumer coroutines on one loop,
// Tornado's tornado.queues: Queue (first in, first out), LifoQueue
// (NewLifo) and PriorityQueue (NewPriority).
//
// # Waiting
//
// Put waits while a bounded queue is full and Get while it is empty; both
// return Futures for a coroutine to await, with an optional timeout (zero
// for none) after which they fail with ErrTimeout. PutNowait and GetNowait
// never wait: they return ErrQueueFull or ErrQueueEmpty. Consumers call
// TaskDone for each item they finish, and Join waits until all are: the
// webspider demo's shape, a queue of URLs and a fixed number of workers.
//
// # One loop
//
// Like the locks package, queues are for the coroutines of one loop and are
// not safe across goroutines; use channels between goroutines.
package queues
