// Package process runs child processes whose standard streams are
// iostream.PipeIOStreams on a loop, Tornado's tornado.process.Subprocess.
//
//	p, err := process.New(loop, exec.Command("sort"), process.Options{Stdin: true, Stdout: true})
//	p.Stdin.Write(data)
//	p.Stdin.Close()
//	sorted, err := gen.Await(c, p.Stdout.ReadUntilClose())
//	code, err := gen.Await(c, p.WaitForExit(true))
//
// # No fork_processes
//
// Tornado's fork_processes forks the server into one process per core after
// binding its sockets. A Go process cannot fork safely (the runtime's
// threads do not survive it), and it does not need to: one process runs a
// loop per core (ioloop.StartGroup, tcpserver.TCPServer.Start), each loop on
// its own OS thread, with SO_REUSEPORT sockets or shared listeners. The
// difference to keep in mind: the loops share memory, so state the
// application shares between them must be guarded, where forked processes
// shared nothing. task_id has no counterpart either; a loop's index in its
// Group plays that part.
package process
