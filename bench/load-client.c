/*
 * The benchmark's load client: N event-stream subscribers on raw non-blocking sockets and one
 * epoll loop, so that the client, not the server, is the cheap side of the measurement.
 *
 * Usage: load-client HOST PORT PATH COUNT
 *   PATH may contain "%d", replaced by the subscriber's index (one topic per subscriber).
 * It prints "ready N" once every stream has its response headers, then reads commands on stdin:
 *   "count"   prints {"events":…}, the events received so far;
 *   "report"  prints one JSON line {"events":…,"p50":…,"p99":…,"max":…} (latencies in µs) and
 *             forgets the latencies recorded so far.
 * Each line "data: <µs since the epoch>" is one delivered event; the latency is now minus that.
 *
 * Built by bench/run.js with `cc -O2`; nothing else to install.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 256

typedef struct {
  int fd;
  int headers_done;
  size_t line_len;
  char line[LINE_MAX_BYTES];
} conn_t;

static uint32_t *latencies;
static size_t latency_count, latency_cap;
static uint64_t events;

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void record(uint64_t sent) {
  uint64_t now = now_us();
  events++;
  if (latency_count == latency_cap) {
    latency_cap = latency_cap ? latency_cap * 2 : 1 << 20;
    latencies = realloc(latencies, latency_cap * sizeof *latencies);
  }
  latencies[latency_count++] = now > sent ? (uint32_t)(now - sent) : 0;
}

static void on_line(conn_t *c, const char *line, size_t len, int *ready) {
  if (!c->headers_done) {
    if (len == 0 || (len == 1 && line[0] == '\r')) {
      c->headers_done = 1;
      (*ready)++;
    }
    return;
  }
  if (len < 6 || memcmp(line, "data:", 5) != 0) return;
  /* "data: 123", "data:123" or better-sse's JSON "data:\"123\"" */
  size_t at = 5;
  if (line[at] == ' ') at++;
  if (line[at] == '"') at++;
  record(strtoull(line + at, NULL, 10));
}

static void on_bytes(conn_t *c, const char *buf, ssize_t n, int *ready) {
  for (ssize_t i = 0; i < n; i++) {
    char ch = buf[i];
    if (ch == '\n') {
      c->line[c->line_len < LINE_MAX_BYTES ? c->line_len : LINE_MAX_BYTES - 1] = 0;
      on_line(c, c->line, c->line_len < LINE_MAX_BYTES ? c->line_len : LINE_MAX_BYTES - 1, ready);
      c->line_len = 0;
    } else if (c->line_len < LINE_MAX_BYTES - 1) {
      c->line[c->line_len++] = ch;
    } else {
      c->line_len++;
    }
  }
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static void report(void) {
  uint32_t p50 = 0, p99 = 0, max = 0;
  if (latency_count > 0) {
    qsort(latencies, latency_count, sizeof *latencies, cmp_u32);
    p50 = latencies[latency_count / 2];
    p99 = latencies[(size_t)((double)latency_count * 0.99)];
    max = latencies[latency_count - 1];
  }
  printf("{\"events\":%llu,\"p50\":%u,\"p99\":%u,\"max\":%u}\n", (unsigned long long)events, p50, p99, max);
  fflush(stdout);
  latency_count = 0;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: load-client HOST PORT PATH COUNT\n");
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]);
  const char *path = argv[3];
  int count = atoi(argv[4]);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, host, &addr.sin_addr);
  int ep = epoll_create1(0);
  conn_t *conns = calloc((size_t)count, sizeof *conns);
  char request[1024], target[512];
  int ready = 0, announced = 0;
  for (int i = 0; i < count; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
      fprintf(stderr, "connect %d: %s\n", i, strerror(errno));
      return 1;
    }
    snprintf(target, sizeof target, path, i);
    int len = snprintf(request, sizeof request,
                       "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", target, host);
    if (write(fd, request, (size_t)len) != len) return 1;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    conns[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  struct epoll_event in = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
  struct epoll_event ready_events[512];
  static char buf[65536];
  for (;;) {
    int n = epoll_wait(ep, ready_events, 512, 1000);
    for (int i = 0; i < n; i++) {
      conn_t *c = ready_events[i].data.ptr;
      if (c == NULL) {
        char cmd[64];
        ssize_t r = read(0, cmd, sizeof cmd - 1);
        if (r <= 0) return 0;
        if (cmd[0] == 'c') {
          printf("{\"events\":%llu}\n", (unsigned long long)events);
          fflush(stdout);
        } else {
          report();
        }
        continue;
      }
      for (;;) {
        ssize_t r = read(c->fd, buf, sizeof buf);
        if (r > 0) on_bytes(c, buf, r, &ready);
        if (r < (ssize_t)sizeof buf) {
          if (r == 0 || (r < 0 && errno != EAGAIN)) {
            epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
          }
          break;
        }
      }
    }
    if (!announced && ready == count) {
      announced = 1;
      printf("ready %d\n", count);
      fflush(stdout);
    }
  }
}
