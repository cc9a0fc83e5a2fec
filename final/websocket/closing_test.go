package websocket

import "testing"

// TestClosingMovesForwardOnly pins the closing handshake's transitions:
// each Close frame, in either order, leads to closeBoth, and nothing leads
// back.
func TestClosingMovesForwardOnly(t *testing.T) {
	for _, tc := range []struct {
		from               closing
		sent, received     closing
		isSent, isReceived bool
	}{
		{closeOpen, closeSent, closeReceived, false, false},
		{closeSent, closeSent, closeBoth, true, false},
		{closeReceived, closeBoth, closeReceived, false, true},
		{closeBoth, closeBoth, closeBoth, true, true},
		{closeDone, closeDone, closeDone, true, true},
	} {
		if got := tc.from.withSent(); got != tc.sent {
			t.Errorf("%d.withSent() = %d, want %d", tc.from, got, tc.sent)
		}
		if got := tc.from.withReceived(); got != tc.received {
			t.Errorf("%d.withReceived() = %d, want %d", tc.from, got, tc.received)
		}
		if tc.from.sent() != tc.isSent || tc.from.received() != tc.isReceived {
			t.Errorf("%d: sent %v received %v, want %v %v", tc.from, tc.from.sent(), tc.from.received(), tc.isSent, tc.isReceived)
		}
	}
}
