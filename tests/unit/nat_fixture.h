/* The NAT tests' world: an engine with a WAN, two NAT networks and a host-only
 * network, named addresses, and helpers that run a packet through nat_process()
 * and check what came out.
 *
 *   iface 0  WAN        203.0.113.2 (WAN_ADDR)
 *   iface 1  NAT        10.0.2.0/24   guests A (.15) and B (.16); vmgate .2, .3
 *   iface 2  NAT        10.0.3.0/24   guest C (.15)
 *   iface 3  host-only  192.168.56.0/24, vmgate .1, guest H (.101)
 *   remotes  R1 198.51.100.7, R2 198.51.100.8; a router on the way, HOP 192.0.2.1 */
#ifndef VMGATE_NAT_FIXTURE_H
#define VMGATE_NAT_FIXTURE_H

#include "net/nat.h"
#include "pkt_builder.h"
#include "unit.h"

#define IF_WAN 0
#define IF_NAT1 1
#define IF_NAT2 2
#define IF_HO 3

#define WAN_ADDR IP4(203, 0, 113, 2)
#define NET1     IP4(10, 0, 2, 0)
#define GW1      IP4(10, 0, 2, 2)
#define DNS1     IP4(10, 0, 2, 3)
#define GA       IP4(10, 0, 2, 15)
#define GB       IP4(10, 0, 2, 16)
#define NET2     IP4(10, 0, 3, 0)
#define GW2      IP4(10, 0, 3, 2)
#define GC       IP4(10, 0, 3, 15)
#define HONET    IP4(192, 168, 56, 0)
#define HOSELF   IP4(192, 168, 56, 1)
#define GH       IP4(192, 168, 56, 101)
#define R1       IP4(198, 51, 100, 7)
#define R2       IP4(198, 51, 100, 8)
#define HOP      IP4(192, 0, 2, 1)

/* Creates the engine (destroying the previous test's, if a failed REQUIRE left it)
 * with room for max_flows, the networks above and the WAN address set. */
struct nat *fx_nat(unsigned max_flows);
/* Destroys the engine fx_nat() made. */
void fx_done(void);

/* A scratch packet for the running test. */
struct fx_pkt {
    uint8_t b[PB_MAX];
    size_t len;
};

/* Runs p through nat_process on iface at now_ms. */
enum nat_verdict fx_run(struct nat *nat, struct fx_pkt *p, int iface, uint32_t now_ms);

/* Checks that every checksum of p is what a full recomputation gives. */
#define CHECK_CSUMS(p) fx_check_csums(__FILE__, __LINE__, (p))
void fx_check_csums(const char *file, int line, const struct fx_pkt *p);

/* Checks a drop and its reason, and that the reason's counter moved by one. */
#define CHECK_DROP(nat, verdict_expr, reason) \
    fx_check_drop(__FILE__, __LINE__, (nat), #verdict_expr, (verdict_expr), (reason))
void fx_check_drop(const char *file, int line, struct nat *nat, const char *expr,
                   enum nat_verdict v, enum nat_drop_reason reason);

/* The one flow whose guest side is (proto, int_addr, int_port), as the console
 * sees it at now; false if there is none. */
bool fx_flow(struct nat *nat, uint8_t proto, uint32_t int_addr, uint16_t int_port,
             uint32_t now, struct nat_flow_info *out);

/* The guest resolver the rule tests install: returns fx_resolved for any iface. */
extern uint32_t fx_resolved;
uint32_t fx_resolver(void *ctx, int iface);

/* The port filter: vmgate's sockets hold the ports in fx_held (0-terminated). */
extern uint16_t fx_held[8];
bool fx_port_filter(void *ctx, uint8_t proto, uint16_t port);

#endif
