/* fn — lp-perfrec's test functions, one source, variants by -D:
 *   FN_FIB      recursive fibonacci(FIB_N) in the handler (CPU-bound)
 *   FN_KNOWN    known work: in init 33 getppid() and 50 malloc(100);
 *               in the handler 777 getppid(), 100 malloc(100) + 10
 *               calloc(4, 64) + 5 realloc + 3 posix_memalign + 2
 *               aligned_alloc + 1 malloc(100000), all freed
 *   FN_THREADS  init starts 4 threads that each compute fib(24), joins them
 *   FN_FORK     init forks a child that computes fib(24) and exits
 *   FN_EXIT     exits 0 at once, before any /next
 * Built dynamic, static (-static) and stripped by mk/perf.mk. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prt.h"

#ifndef FIB_N
#define FIB_N 27
#endif

__attribute__((noinline)) long
fib(long n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static volatile long sink;

#if defined(FN_KNOWN)
static void
known_syscalls(int n)
{
	for (int i = 0; i < n; i++)
		sink += syscall(SYS_getppid);
}
#endif

static void
handler(void)
{
#if defined(FN_FIB)
	sink = fib(FIB_N);
#elif defined(FN_KNOWN)
	void *p[100], *q;
	int i;
	known_syscalls(777);
	for (i = 0; i < 100; i++)
		p[i] = malloc(100);
	for (i = 0; i < 100; i++)
		free(p[i]);
	for (i = 0; i < 10; i++)
		p[i] = calloc(4, 64);
	for (i = 0; i < 10; i++)
		free(p[i]);
	q = malloc(10);
	for (i = 0; i < 5; i++)
		q = realloc(q, (size_t)(100 << i));
	free(q);
	for (i = 0; i < 3; i++)
		if (posix_memalign(&p[i], 64, 1000) != 0)
			_exit(71);
	for (i = 0; i < 3; i++)
		free(p[i]);
	for (i = 0; i < 2; i++)
		p[i] = aligned_alloc(256, 4096);
	for (i = 0; i < 2; i++)
		free(p[i]);
	q = malloc(100000);
	sink += (long)(q != NULL);
	free(q);
#else
	sink = fib(20);
#endif
}

#if defined(FN_THREADS)
static void *
worker(void *arg)
{
	(void)arg;
	sink += fib(24);
	return NULL;
}
#endif

int
main(void)
{
#if defined(FN_EXIT)
	return 0;
#endif
#if defined(FN_KNOWN)
	void *p[50];
	known_syscalls(33);
	for (int i = 0; i < 50; i++)
		p[i] = malloc(100);
	for (int i = 0; i < 50; i++)
		free(p[i]);
#endif
#if defined(FN_THREADS)
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) != 0)
			_exit(72);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
#endif
#if defined(FN_FORK)
	pid_t c = fork();
	if (c == 0) {
		sink = fib(24);
		_exit(0);
	}
	if (c > 0)
		waitpid(c, NULL, 0);
#endif
	prt_init();
	prt_loop(handler);
}
