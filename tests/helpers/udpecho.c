/* UDP for the network tests (busybox's nc has none).
 *   udpecho serve PORT            answer each datagram with "echo:" + it
 *                                 (v4 and v6: one socket on [::] when the
 *                                 namespace has IPv6, else 0.0.0.0)
 *   udpecho send IP PORT MESSAGE  send MESSAGE to a v4 or v6 IP, print the
 *                                 answer (2 s) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	char buf[1024], out[1100];
	socklen_t len;
	int s, zero = 0;

	if (argc == 3 && !strcmp(argv[1], "serve")) {
		unsigned short port = htons((unsigned short)atoi(argv[2]));

		s = socket(AF_INET6, SOCK_DGRAM, 0);
		if (s >= 0) {
			setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
			a6->sin6_family = AF_INET6;
			a6->sin6_port = port;
			len = sizeof(*a6);
		} else {
			s = socket(AF_INET, SOCK_DGRAM, 0);
			a4->sin_family = AF_INET;
			a4->sin_port = port;
			len = sizeof(*a4);
		}
		if (s < 0)
			return 1;
		if (bind(s, (struct sockaddr *)&ss, len) < 0)
			return perror("bind"), 1;
		for (;;) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n =
			    recvfrom(s, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);

			if (n < 0)
				continue;
			buf[n] = '\0';
			n = snprintf(out, sizeof(out), "echo:%s", buf);
			sendto(s, out, (size_t)n, 0, (struct sockaddr *)&from, fl);
		}
	}
	if (argc == 5 && !strcmp(argv[1], "send")) {
		struct timeval tv = {.tv_sec = 2};
		unsigned short port = htons((unsigned short)atoi(argv[3]));
		ssize_t n;

		if (inet_pton(AF_INET, argv[2], &a4->sin_addr) == 1) {
			a4->sin_family = AF_INET;
			a4->sin_port = port;
			len = sizeof(*a4);
		} else if (inet_pton(AF_INET6, argv[2], &a6->sin6_addr) == 1) {
			a6->sin6_family = AF_INET6;
			a6->sin6_port = port;
			len = sizeof(*a6);
		} else {
			return 2;
		}
		if ((s = socket(ss.ss_family, SOCK_DGRAM, 0)) < 0)
			return 1;
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		for (int i = 0; i < 3; i++) {
			sendto(s, argv[4], strlen(argv[4]), 0, (struct sockaddr *)&ss, len);
			n = recv(s, buf, sizeof(buf) - 1, 0);
			if (n >= 0) {
				buf[n] = '\0';
				printf("%s\n", buf);
				return 0;
			}
		}
		fprintf(stderr, "udpecho: no answer\n");
		return 1;
	}
	fprintf(stderr, "usage: udpecho serve PORT | send IP PORT MESSAGE\n");
	return 2;
}
