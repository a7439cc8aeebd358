// Package sshgateway is the SSH gateway (cmd/sshgateway): one address through which users
// reach every environment by name with the environment's own keys, and no cluster
// credentials. It is built on golang.org/x/crypto/ssh and serves ProxyJump:
//
//	ssh -J demo.alpha@ssh.example.com dev@demo.alpha
//
// The jump user names the environment (<env>.<team>); the gateway accepts a key only when
// it is one of that environment's authorized keys (its Secret), and then forwards exactly
// one kind of channel, direct-tcpip to that environment's sshd, whose bytes it copies
// without seeing inside: the session stays end-to-end encrypted to the environment, so scp,
// sftp, rsync, -L forwards and editors work unchanged. Along the way it answers clearly
// (stopped, starting, missing), records connects and disconnects in the activity log, and
// records when users typed (SSHInput) for the idle rule.
//
// Files: target.go (naming), authorize.go (the key decision), decide.go (what a route's
// state means for a connection), server.go (the SSH side), proxy.go (copying and metering),
// audit.go (log entries).
package sshgateway
