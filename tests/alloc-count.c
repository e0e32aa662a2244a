/* Counting heap allocations, for the test and the benchmark that show
 * the engine allocates nothing in steady state.
 *
 * malloc, calloc and realloc are defined here and forward to glibc's own
 * entry points. The dynamic linker binds every call in the process to the
 * executable's definitions, so allocations made inside shared libraries
 * (GSL) are seen too. Under a sanitizer that owns the heap, its
 * allocator's hooks count instead. */
#include "alloc-count.h"

#include <stdlib.h>

#include <gsl/gsl_vector.h>

/* Sanitizers that own the heap (ASan, TSan, MSan, HWASan) replace
 * malloc themselves, and mixing their heap with glibc's crashes: there the
 * count comes from their allocator's hooks instead, which see the same
 * calls (every malloc, calloc and realloc in the process). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
	defined(__SANITIZE_HWADDRESS__)
#define SANITIZER_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer) || __has_feature(hwaddress_sanitizer)
#define SANITIZER_HEAP 1
#endif
#endif

/* Per thread: Criterion's worker has threads of its own (its IPC), and
 * their allocations are none of the engine's doing. */
static _Thread_local bool armed;
static _Thread_local unsigned long calls;

#ifdef SANITIZER_HEAP

/* sanitizer/allocator_interface.h, which GCC does not ship. */
int __sanitizer_install_malloc_and_free_hooks(
	void (*malloc_hook)(const volatile void *ptr, size_t size),
	void (*free_hook)(const volatile void *ptr));

static void
count_hook(const volatile void *ptr, size_t size)
{
	(void)ptr;
	(void)size;
	if (armed)
		calls++;
}

static void
free_hook(const volatile void *ptr)
{
	(void)ptr;
}

static void
count_start(void)
{
	static bool hooked;

	if (!hooked)
		hooked = __sanitizer_install_malloc_and_free_hooks(
			count_hook, free_hook) != 0;
}

#else

/* The project builds with hidden visibility; a hidden definition would
 * only catch calls made from this executable. */
#define INTERPOSE __attribute__((visibility("default")))

/* glibc exports these but no header declares them. */
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t nmemb, size_t size);
void *__libc_realloc(void *ptr, size_t size);
void __libc_free(void *ptr);

INTERPOSE void *
malloc(size_t size)
{
	if (armed)
		calls++;
	return __libc_malloc(size);
}

INTERPOSE void *
calloc(size_t nmemb, size_t size)
{
	if (armed)
		calls++;
	return __libc_calloc(nmemb, size);
}

INTERPOSE void *
realloc(void *ptr, size_t size)
{
	if (armed)
		calls++;
	return __libc_realloc(ptr, size);
}

INTERPOSE void
free(void *ptr)
{
	__libc_free(ptr);
}

static void
count_start(void)
{
}

#endif

void
alloc_count_arm(void)
{
	count_start();
	calls = 0;
	armed = true;
}

unsigned long
alloc_count_disarm(void)
{
	armed = false;
	return calls;
}

bool
alloc_count_works(void)
{
	gsl_vector *v;
	unsigned long n;

	alloc_count_arm();
	v = gsl_vector_alloc(3);
	n = alloc_count_disarm();
	gsl_vector_free(v);
	return n > 0;
}
