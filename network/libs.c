/* libnl-3, libnl-route-3 and libnftables, loaded when a container joins a
 * bridge network (or a network command runs), in two groups: libnl's
 * for links, addresses and routes, libnftables only when a rule changes
 * (most runs publish no port and change none: loading libnftables and
 * its five dependencies costs more than all of a run's netlink work).
 *
 * The same discipline as image/libs.c, for the same reason: `nook oci`
 * and `nook run --network none|host` never need these, and libnftables
 * alone pulls libnftnl, libmnl, libjansson, libgmp and libxtables into
 * every process that links it.  Each function network/ calls is a hidden
 * stub calling through a pointer; net_libs_load() resolves all of a
 * group's at once or returns an error and publishes nothing.  A stub reached
 * before that is a bug in nook and aborts. */
#include "network/internal.h"

#include <dlfcn.h>
#include <pthread.h>

#if !defined(NOOK_SONAME_NL) || !defined(NOOK_SONAME_NL_ROUTE) || !defined(NOOK_SONAME_NFTABLES)
#error "build with the Makefile: it probes the sonames of the network libraries"
#endif
_Static_assert(sizeof(NOOK_SONAME_NL) > 1 && sizeof(NOOK_SONAME_NL_ROUTE) > 1 &&
		   sizeof(NOOK_SONAME_NFTABLES) > 1,
	       "empty soname of a network library");

enum { LIB_nl, LIB_route, LIB_nft, NLIBS };

static const enum net_libs group_of[NLIBS] = {
    [LIB_nl] = NET_LIBS_NL,
    [LIB_route] = NET_LIBS_NL,
    [LIB_nft] = NET_LIBS_NFT,
};

static const char *const sonames[NLIBS] = {
    [LIB_nl] = NOOK_SONAME_NL,
    [LIB_route] = NOOK_SONAME_NL_ROUTE,
    [LIB_nft] = NOOK_SONAME_NFTABLES,
};

/* F(lib, return type, name, (params), (args)); V(...) for void ones. */
#define SYMBOLS(F, V)                                                                              \
	F(nl, struct nl_sock *, nl_socket_alloc, (void), ())                                       \
	V(nl, nl_socket_free, (struct nl_sock * a0), (a0))                                         \
	F(nl, int, nl_connect, (struct nl_sock * a0, int a1), (a0, a1))                            \
	F(nl, const char *, nl_geterror, (int a0), (a0))                                           \
	F(nl, struct nl_addr *, nl_addr_build, (int a0, const void *a1, size_t a2), (a0, a1, a2))  \
	V(nl, nl_addr_put, (struct nl_addr * a0), (a0))                                            \
	V(nl, nl_addr_set_prefixlen, (struct nl_addr * a0, int a1), (a0, a1))                      \
	F(nl, struct nl_msg *, nlmsg_alloc_simple, (int a0, int a1), (a0, a1))                     \
	V(nl, nlmsg_free, (struct nl_msg * a0), (a0))                                              \
	F(nl, int, nlmsg_append, (struct nl_msg * a0, void *a1, size_t a2, int a3),                \
	  (a0, a1, a2, a3))                                                                        \
	F(nl, int, nla_put_s32, (struct nl_msg * a0, int a1, int32_t a2), (a0, a1, a2))            \
	F(nl, int, nla_put_string, (struct nl_msg * a0, int a1, const char *a2), (a0, a1, a2))     \
	F(nl, int, nla_put, (struct nl_msg * a0, int a1, int a2, const void *a3),                  \
	  (a0, a1, a2, a3))                                                                        \
	F(nl, struct nlattr *, nla_nest_start, (struct nl_msg * a0, int a1), (a0, a1))             \
	F(nl, int, nla_nest_end, (struct nl_msg * a0, struct nlattr * a1), (a0, a1))               \
	F(nl, int, nl_send_auto, (struct nl_sock * a0, struct nl_msg * a1), (a0, a1))              \
	F(nl, int, nl_wait_for_ack, (struct nl_sock * a0), (a0))                                   \
	F(route, struct rtnl_link *, rtnl_link_alloc, (void), ())                                  \
	F(route, struct rtnl_link *, rtnl_link_bridge_alloc, (void), ())                           \
	F(route, struct rtnl_link *, rtnl_link_veth_alloc, (void), ())                             \
	F(route, struct rtnl_link *, rtnl_link_veth_get_peer, (struct rtnl_link * a0), (a0))       \
	V(route, rtnl_link_put, (struct rtnl_link * a0), (a0))                                     \
	V(route, rtnl_link_set_name, (struct rtnl_link * a0, const char *a1), (a0, a1))            \
	V(route, rtnl_link_set_mtu, (struct rtnl_link * a0, unsigned int a1), (a0, a1))            \
	V(route, rtnl_link_set_flags, (struct rtnl_link * a0, unsigned int a1), (a0, a1))          \
	V(route, rtnl_link_set_master, (struct rtnl_link * a0, int a1), (a0, a1))                  \
	V(route, rtnl_link_set_ns_fd, (struct rtnl_link * a0, int a1), (a0, a1))                   \
	V(route, rtnl_link_set_addr, (struct rtnl_link * a0, struct nl_addr * a1), (a0, a1))       \
	F(route, int, rtnl_link_get_ifindex, (struct rtnl_link * a0), (a0))                        \
	F(route, unsigned int, rtnl_link_get_flags, (struct rtnl_link * a0), (a0))                 \
	F(route, char *, rtnl_link_get_name, (struct rtnl_link * a0), (a0))                        \
	F(route, int, rtnl_link_get_link_netnsid, (const struct rtnl_link *a0, int32_t *a1),       \
	  (a0, a1))                                                                                \
	F(route, int, rtnl_link_add, (struct nl_sock * a0, struct rtnl_link * a1, int a2),         \
	  (a0, a1, a2))                                                                            \
	F(route, int, rtnl_link_change,                                                            \
	  (struct nl_sock * a0, struct rtnl_link * a1, struct rtnl_link * a2, int a3),             \
	  (a0, a1, a2, a3))                                                                        \
	F(route, int, rtnl_link_delete, (struct nl_sock * a0, const struct rtnl_link *a1),         \
	  (a0, a1))                                                                                \
	F(route, int, rtnl_link_get_kernel,                                                        \
	  (struct nl_sock * a0, int a1, const char *a2, struct rtnl_link **a3), (a0, a1, a2, a3))  \
	F(route, struct rtnl_addr *, rtnl_addr_alloc, (void), ())                                  \
	V(route, rtnl_addr_put, (struct rtnl_addr * a0), (a0))                                     \
	V(route, rtnl_addr_set_ifindex, (struct rtnl_addr * a0, int a1), (a0, a1))                 \
	V(route, rtnl_addr_set_flags, (struct rtnl_addr * a0, unsigned int a1), (a0, a1))          \
	F(route, int, rtnl_addr_set_local, (struct rtnl_addr * a0, struct nl_addr * a1), (a0, a1)) \
	F(route, int, rtnl_addr_add, (struct nl_sock * a0, struct rtnl_addr * a1, int a2),         \
	  (a0, a1, a2))                                                                            \
	F(route, struct rtnl_route *, rtnl_route_alloc, (void), ())                                \
	V(route, rtnl_route_put, (struct rtnl_route * a0), (a0))                                   \
	F(route, int, rtnl_route_set_dst, (struct rtnl_route * a0, struct nl_addr * a1), (a0, a1)) \
	F(route, int, rtnl_route_set_family, (struct rtnl_route * a0, uint8_t a1), (a0, a1))       \
	F(route, struct rtnl_nexthop *, rtnl_route_nh_alloc, (void), ())                           \
	V(route, rtnl_route_nh_set_gateway, (struct rtnl_nexthop * a0, struct nl_addr * a1),       \
	  (a0, a1))                                                                                \
	V(route, rtnl_route_nh_set_ifindex, (struct rtnl_nexthop * a0, int a1), (a0, a1))          \
	V(route, rtnl_route_add_nexthop, (struct rtnl_route * a0, struct rtnl_nexthop * a1),       \
	  (a0, a1))                                                                                \
	F(route, int, rtnl_route_add, (struct nl_sock * a0, struct rtnl_route * a1, int a2),       \
	  (a0, a1, a2))                                                                            \
	F(nft, struct nft_ctx *, nft_ctx_new, (uint32_t a0), (a0))                                 \
	V(nft, nft_ctx_free, (struct nft_ctx * a0), (a0))                                          \
	F(nft, int, nft_ctx_buffer_output, (struct nft_ctx * a0), (a0))                            \
	F(nft, int, nft_ctx_buffer_error, (struct nft_ctx * a0), (a0))                             \
	F(nft, const char *, nft_ctx_get_output_buffer, (struct nft_ctx * a0), (a0))               \
	F(nft, const char *, nft_ctx_get_error_buffer, (struct nft_ctx * a0), (a0))                \
	F(nft, int, nft_run_cmd_from_buffer, (struct nft_ctx * a0, const char *a1), (a0, a1))

#define SYM_ENUM_F(lib, ret, name, params, args) SYM_##name,
#define SYM_ENUM_V(lib, name, params, args)	 SYM_##name,
enum { SYMBOLS(SYM_ENUM_F, SYM_ENUM_V) NSYMS };

#define SYM_INFO_F(lib, ret, name, params, args) [SYM_##name] = {LIB_##lib, #name},
#define SYM_INFO_V(lib, name, params, args)	 [SYM_##name] = {LIB_##lib, #name},
static const struct {
	int lib;
	const char *name;
} syms[NSYMS] = {SYMBOLS(SYM_INFO_F, SYM_INFO_V)};

/* A group's entries are written under the lock before its bit in
 * `loaded` is published. */
static void *fns[NSYMS];
static unsigned loaded;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static int libs_load_locked(enum net_libs group, struct error *err)
{
	void *h[NLIBS] = {0}, *got[NSYMS] = {0};

	/* libnl-route-3 needs libnl-3's symbols: RTLD_GLOBAL for that one. */
	for (int lib = 0; lib < NLIBS; lib++) {
		if (group_of[lib] != group)
			continue;
		h[lib] =
		    dlopen(sonames[lib], RTLD_NOW | (lib == LIB_nl ? RTLD_GLOBAL : RTLD_LOCAL));
		if (!h[lib]) {
			error_set(err, ELIBACC, "cannot load %s: %s", sonames[lib], dlerror());
			goto fail;
		}
	}
	for (size_t i = 0; i < NSYMS; i++) {
		if (group_of[syms[i].lib] != group)
			continue;
		got[i] = dlsym(h[syms[i].lib], syms[i].name);
		if (!got[i]) {
			error_set(err, ELIBBAD, "cannot use %s: it has no symbol %s",
				  sonames[syms[i].lib], syms[i].name);
			goto fail;
		}
	}
	for (size_t i = 0; i < NSYMS; i++)
		if (group_of[syms[i].lib] == group)
			fns[i] = got[i];
	__atomic_or_fetch(&loaded, (unsigned)group, __ATOMIC_RELEASE);
	return 0;
fail:
	for (int lib = 0; lib < NLIBS; lib++)
		if (h[lib])
			dlclose(h[lib]);
	return -1;
}

int net_libs_load(enum net_libs groups, struct error *err)
{
	static const enum net_libs all[] = {NET_LIBS_NL, NET_LIBS_NFT};
	int rc = 0;

	pthread_mutex_lock(&load_lock);
	for (size_t i = 0; i < ARRAY_SIZE(all) && rc == 0; i++)
		if ((groups & all[i]) && !(loaded & all[i]))
			rc = libs_load_locked(all[i], err);
	pthread_mutex_unlock(&load_lock);
	return rc;
}

static void *fn_of(int sym)
{
	if (!(__atomic_load_n(&loaded, __ATOMIC_ACQUIRE) & group_of[syms[sym].lib]))
		abort(); /* a bug: an entry point did not call net_libs_load() */
	return fns[sym];
}

#define STUB_F(lib, ret, name, params, args)                                                       \
	__attribute__((visibility("hidden"))) ret name params                                      \
	{                                                                                          \
		return ((__typeof__(name) *)fn_of(SYM_##name))args;                                \
	}
#define STUB_V(lib, name, params, args)                                                            \
	__attribute__((visibility("hidden"))) void name params                                     \
	{                                                                                          \
		((__typeof__(name) *)fn_of(SYM_##name)) args;                                      \
	}
SYMBOLS(STUB_F, STUB_V)
