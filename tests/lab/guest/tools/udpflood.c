/* udpflood DST PORT SECONDS: sends one UDP datagram from every source port in
 * turn (1024..65535, then again with the next destination port), as fast as the
 * guest can, for SECONDS: each datagram a new flow for a NAT on the way. For the
 * lab's NAT tests (tests/lab/test_nat_behave.py); built statically for the lab
 * guest by tests/lab/guest/build.py. Prints how many it sent. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: udpflood DST PORT SECONDS\n");
        return 2;
    }
    struct sockaddr_in dst = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1)
        return 2;
    unsigned base = (unsigned)atoi(argv[2]);
    double end = now() + atof(argv[3]);
    unsigned long sent = 0, failed = 0;
    for (unsigned long i = 0; now() < end; i++) {
        unsigned sport = 1024 + (unsigned)(i % 64512);
        dst.sin_port = htons((unsigned short)(base + (i / 64512) % 1000));
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        if (s < 0)
            return 1;
        struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = htons((unsigned short)sport)};
        if (bind(s, (struct sockaddr *)&src, sizeof src) == 0 &&
            sendto(s, "flood", 5, 0, (struct sockaddr *)&dst, sizeof dst) == 5)
            sent++;
        else
            failed++;
        close(s);
    }
    printf("udpflood: sent %lu failed %lu\n", sent, failed);
    return 0;
}
