/*
 * The benchmark's load client: N event-stream subscribers on raw non-blocking sockets and one
 * epoll loop, so that the client, not the server, is the cheap side of the measurement.
 *
 * Usage: load-client HOST PORT PATH COUNT
 *   PATH may contain "%d", replaced by the subscriber's index (one topic per subscriber).
 * Connections are opened non-blocking, at most WINDOW at a time still waiting for their
 * response headers, so the connection rate is the server's, not the listen backlog's.
 * It prints "ready N US" once every stream has its response headers (US: µs it took), then reads
 * commands on stdin, one per line, each answered with one JSON line:
 *   "count"   {"events":…}, the events received so far;
 *   "report"  {"events":…,"p50":…,"p99":…,"max":…} (latencies in µs), and forgets the latencies
 *             recorded so far;
 *   "reconnect LAST_ID NEXT_SEQ TARGET_SEQ"
 *             closes every stream and opens it again at once with `Last-Event-ID: LAST_ID`; from
 *             then on each stream must see sequence numbers NEXT_SEQ, NEXT_SEQ+1, … in order.
 *             Answers {"reconnecting":N} at once;
 *   "status"  {"events","ready","caught","lost","dup","catchupUs"}: streams with headers,
 *             streams that have seen TARGET_SEQ, sequence numbers skipped or seen twice (for
 *             streams short of TARGET_SEQ the missing tail counts as lost), and µs from the
 *             reconnect until every stream had seen TARGET_SEQ (0 until then).
 * Each line "data: <µs on CLOCK_MONOTONIC> [<sequence number>]" is one delivered event; the
 * latency is now minus that time.
 * With SHAPE=PREFIX in the environment, each "report" also writes PREFIX.K (K counting reports
 * from 0): one line "<send µs> <latency µs>" per delivery, in the order received, for
 * bench/tools/interleaved.js.
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
#define WINDOW 256

enum { IDLE, CONNECTING, HEADERS, STREAMING };

typedef struct {
  int fd;
  int state;
  int64_t next_seq; /* expected next sequence number, -1 when not tracking */
  size_t line_len;
  char line[LINE_MAX_BYTES];
} conn_t;

static uint32_t *latencies;
static uint64_t *sent_times; /* only with SHAPE set */
static size_t latency_count, latency_cap;
static const char *shape_prefix;
static int shape_reports;
static uint64_t events, lost, duplicated;
static int ep, count, ready, opening, next_to_open, caught_count;
static conn_t *conns;
static struct sockaddr_in addr;
static const char *host, *path;
static char last_event_id[128];
static int64_t target_seq = -1;
static uint64_t reconnect_at, catchup_us;

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts); /* the publisher's clock: bench/lib/clock.js */
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void record(uint64_t sent) {
  uint64_t now = now_us();
  events++;
  if (latency_count == latency_cap) {
    latency_cap = latency_cap ? latency_cap * 2 : 1 << 20;
    latencies = realloc(latencies, latency_cap * sizeof *latencies);
    if (shape_prefix) sent_times = realloc(sent_times, latency_cap * sizeof *sent_times);
  }
  if (shape_prefix) sent_times[latency_count] = sent;
  latencies[latency_count++] = now > sent ? (uint32_t)(now - sent) : 0;
}

static void track(conn_t *c, int64_t seq) {
  if (c->next_seq < 0 || seq < 0) return;
  if (seq < c->next_seq) {
    duplicated++;
    return;
  }
  lost += (uint64_t)(seq - c->next_seq);
  if (target_seq >= 0 && seq >= target_seq && c->next_seq <= target_seq &&
      ++caught_count == count)
    catchup_us = now_us() - reconnect_at;
  c->next_seq = seq + 1;
}

static void on_line(conn_t *c, const char *line, size_t len) {
  if (c->state == HEADERS) {
    if (len == 0 || (len == 1 && line[0] == '\r')) {
      c->state = STREAMING;
      ready++;
      opening--;
    }
    return;
  }
  if (len < 6 || memcmp(line, "data:", 5) != 0) return;
  /* "data: 123 7", "data:123" or better-sse's JSON "data:\"123 7\"" */
  size_t at = 5;
  if (line[at] == ' ') at++;
  if (line[at] == '"') at++;
  char *end;
  record(strtoull(line + at, &end, 10));
  track(c, *end == ' ' ? strtoll(end + 1, NULL, 10) : -1);
}

static void on_bytes(conn_t *c, const char *buf, ssize_t n) {
  for (ssize_t i = 0; i < n; i++) {
    char ch = buf[i];
    if (ch == '\n') {
      size_t len = c->line_len < LINE_MAX_BYTES ? c->line_len : LINE_MAX_BYTES - 1;
      c->line[len] = 0;
      on_line(c, c->line, len);
      c->line_len = 0;
    } else if (c->line_len < LINE_MAX_BYTES - 1) {
      c->line[c->line_len++] = ch;
    } else {
      c->line_len++;
    }
  }
}

static void start_connect(int i) {
  conn_t *c = &conns[i];
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) {
    fprintf(stderr, "socket %d: %s\n", i, strerror(errno));
    exit(1);
  }
  // Loopback only: spread the streams over the source addresses 127.0.0.2 to 127.0.0.65, the
  // port picked at connect (IP_BIND_ADDRESS_NO_PORT). From one address the 28,000 ephemeral
  // ports run out once earlier runs' closed streams sit in TIME_WAIT (EADDRNOTAVAIL).
  if (addr.sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
    int one = 1;
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    struct sockaddr_in from = {.sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + (uint32_t)(i % 64))};
    if (bind(c->fd, (struct sockaddr *)&from, sizeof from) < 0) {
      fprintf(stderr, "bind %d: %s\n", i, strerror(errno));
      exit(1);
    }
  }
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
    fprintf(stderr, "connect %d: %s\n", i, strerror(errno));
    exit(1);
  }
  c->state = CONNECTING;
  c->line_len = 0;
  opening++;
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void send_request(conn_t *c) {
  char request[1024], target[512], resume[200] = "";
  int i = (int)(c - conns);
  snprintf(target, sizeof target, path, i);
  if (last_event_id[0]) snprintf(resume, sizeof resume, "Last-Event-ID: %s\r\n", last_event_id);
  int len = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n%s\r\n", target,
                     host, resume);
  if (write(c->fd, request, (size_t)len) != len) {
    fprintf(stderr, "request %d: %s\n", i, strerror(errno));
    exit(1);
  }
  c->state = HEADERS;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void open_more(void) {
  while (next_to_open < count && opening < WINDOW) start_connect(next_to_open++);
}

static void close_conn(conn_t *c) {
  if (c->state == IDLE) return;
  if (c->state != STREAMING) opening--;
  else ready--;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->state = IDLE;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static void write_shape(void) {
  char name[512];
  snprintf(name, sizeof name, "%s.%d", shape_prefix, shape_reports++);
  FILE *f = fopen(name, "w");
  if (!f) return;
  for (size_t i = 0; i < latency_count; i++)
    fprintf(f, "%llu %u\n", (unsigned long long)sent_times[i], latencies[i]);
  fclose(f);
}

static void report(void) {
  uint32_t p50 = 0, p99 = 0, max = 0;
  if (shape_prefix) write_shape();
  if (latency_count > 0) {
    qsort(latencies, latency_count, sizeof *latencies, cmp_u32);
    p50 = latencies[latency_count / 2];
    p99 = latencies[(size_t)((double)latency_count * 0.99)];
    max = latencies[latency_count - 1];
  }
  printf("{\"events\":%llu,\"p50\":%u,\"p99\":%u,\"max\":%u}\n", (unsigned long long)events, p50,
         p99, max);
  latency_count = 0;
}

static void status(void) {
  uint64_t missing = 0;
  int n = 0;
  if (target_seq >= 0) {
    for (int i = 0; i < count; i++) {
      if (conns[i].next_seq > target_seq) n++;
      else if (conns[i].next_seq >= 0) missing += (uint64_t)(target_seq + 1 - conns[i].next_seq);
    }
  }
  printf("{\"events\":%llu,\"ready\":%d,\"caught\":%d,\"lost\":%llu,\"dup\":%llu,\"catchupUs\":%llu}\n",
         (unsigned long long)events, ready, n, (unsigned long long)(lost + missing),
         (unsigned long long)duplicated, (unsigned long long)catchup_us);
}

static void command(void) {
  char cmd[256];
  ssize_t r = read(0, cmd, sizeof cmd - 1);
  if (r <= 0) exit(0);
  cmd[r] = 0;
  if (strncmp(cmd, "count", 5) == 0) {
    printf("{\"events\":%llu}\n", (unsigned long long)events);
  } else if (strncmp(cmd, "report", 6) == 0) {
    report();
  } else if (strncmp(cmd, "status", 6) == 0) {
    status();
  } else if (strncmp(cmd, "reconnect", 9) == 0) {
    long long next, target;
    if (sscanf(cmd + 10, "%127s %lld %lld", last_event_id, &next, &target) != 3) exit(2);
    for (int i = 0; i < count; i++) {
      close_conn(&conns[i]);
      conns[i].next_seq = next;
    }
    target_seq = target;
    lost = duplicated = catchup_us = 0;
    caught_count = 0;
    reconnect_at = now_us();
    next_to_open = 0;
    open_more();
    printf("{\"reconnecting\":%d}\n", count);
  }
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: load-client HOST PORT PATH COUNT\n");
    return 2;
  }
  host = argv[1];
  path = argv[3];
  count = atoi(argv[4]);
  shape_prefix = getenv("SHAPE");
  addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  inet_pton(AF_INET, host, &addr.sin_addr);
  ep = epoll_create1(0);
  conns = calloc((size_t)count, sizeof *conns);
  for (int i = 0; i < count; i++) conns[i].next_seq = -1;
  struct epoll_event in = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
  struct epoll_event ready_events[512];
  static char buf[65536];
  uint64_t started = now_us();
  int announced = 0;
  open_more();
  for (;;) {
    int n = epoll_wait(ep, ready_events, 512, 1000);
    for (int i = 0; i < n; i++) {
      conn_t *c = ready_events[i].data.ptr;
      if (c == NULL) {
        command();
        continue;
      }
      if (c->state == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          fprintf(stderr, "connect %d: %s\n", (int)(c - conns), strerror(err));
          exit(1);
        }
        send_request(c);
        continue;
      }
      for (;;) {
        ssize_t r = read(c->fd, buf, sizeof buf);
        if (r > 0) on_bytes(c, buf, r);
        if (r < (ssize_t)sizeof buf) {
          if (r == 0 || (r < 0 && errno != EAGAIN)) close_conn(c);
          break;
        }
      }
    }
    open_more();
    if (!announced && ready == count) {
      announced = 1;
      printf("ready %d %llu\n", count, (unsigned long long)(now_us() - started));
      fflush(stdout);
    }
  }
}
