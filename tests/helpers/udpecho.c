/* UDP for the network tests (busybox's nc has none).
 *   udpecho serve PORT            answer each datagram with "echo:" + it
 *   udpecho send IP PORT MESSAGE  send MESSAGE, print the answer (2 s) */
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
	struct sockaddr_in a = {.sin_family = AF_INET};
	char buf[1024], out[1100];
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0)
		return 1;
	if (argc == 3 && !strcmp(argv[1], "serve")) {
		a.sin_port = htons((unsigned short)atoi(argv[2]));
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			return perror("bind"), 1;
		for (;;) {
			struct sockaddr_in from;
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
		ssize_t n;

		a.sin_port = htons((unsigned short)atoi(argv[3]));
		if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1)
			return 2;
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		for (int i = 0; i < 3; i++) {
			sendto(s, argv[4], strlen(argv[4]), 0, (struct sockaddr *)&a, sizeof(a));
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
