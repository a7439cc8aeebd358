/* The pod sandbox ("pause") process of the real test node: it holds the pod's namespaces
 * open, reaps orphaned children (it is PID 1 of the sandbox) and exits on SIGINT/SIGTERM.
 * Built statically by hack/realnode.sh because no image registry is reachable. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) { (void)sig; _exit(0); }

static void reap(int sig) {
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0) {
	}
}

int main(void) {
	struct sigaction term = {.sa_handler = stop};
	struct sigaction child = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP};
	sigaction(SIGINT, &term, NULL);
	sigaction(SIGTERM, &term, NULL);
	sigaction(SIGCHLD, &child, NULL);
	for (;;) {
		pause();
	}
	return 0;
}
