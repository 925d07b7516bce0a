#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, accept4 */
#define _GNU_SOURCE

#include "netserver.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STREAMS 64

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int listen_on(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Best effort: a client too slow to take a line loses it rather than stalling the others. */
static int send_all(int fd, const char *text, size_t len)
{
    ssize_t n = send(fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK ? -1 : 0;
}

/* A dotted quad only: what goes on to ping or connect() is never anything else. */
static int parse_ipv4(const char *text, size_t len, struct in_addr *out)
{
    char buf[16];
    if (len == 0 || len >= sizeof buf || strspn(text, "0123456789.") < len) {
        return -1;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    return inet_pton(AF_INET, buf, out) == 1 ? 0 : -1;
}

/* GET /ping/IP: the guest pings IP (busybox ping, 3 packets) and answers with its output. */
static int probe_ping(const char *ip, char *out, size_t size)
{
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        return snprintf(out, size, "ping: pipe: %s\n", strerror(errno)), 502;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        close(pipefd[0]);
        execl("/bin/ping", "ping", "-c", "3", "-W", "2", ip, (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    size_t got = 0;
    ssize_t n;
    while (got < size - 1 && (n = read(pipefd[0], out + got, size - 1 - got)) > 0) {
        got += (size_t)n;
    }
    out[got] = '\0';
    close(pipefd[0]);
    int status = 0;
    if (pid > 0) {
        waitpid(pid, &status, 0);
    }
    return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 200 : 502;
}

/* GET /fetch/IP:PORT: the guest asks IP:PORT for GET / and answers with the reply. */
static int probe_fetch(struct in_addr ip, uint16_t port, char *out, size_t size)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval timeout = {.tv_sec = 3};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = ip};
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
        }
        return snprintf(out, size, "fetch: connect: %s\n", strerror(err)), 502;
    }
    static const char request[] = "GET / HTTP/1.0\r\n\r\n";
    (void)send(fd, request, sizeof request - 1, MSG_NOSIGNAL);
    size_t got = 0;
    ssize_t n;
    while (got < size - 1 && (n = recv(fd, out + got, size - 1 - got, 0)) > 0) {
        got += (size_t)n;
    }
    out[got] = '\0';
    close(fd);
    return got > 0 ? 200 : (snprintf(out, size, "fetch: no answer\n"), 502);
}

/* Reads the request line (up to 1 s), answers and closes. */
static void answer_http(int fd, volatile uint64_t *beat)
{
    char request[512];
    size_t got = 0;
    uint64_t deadline = mono_ms() + 1000;
    while (got < sizeof request - 1 && memchr(request, '\n', got) == NULL) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        uint64_t now = mono_ms();
        if (now >= deadline || poll(&p, 1, (int)(deadline - now)) <= 0) {
            break;
        }
        ssize_t n = recv(fd, request + got, sizeof request - 1 - got, 0);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    request[got] = '\0';

    char host[64] = "guest";
    gethostname(host, sizeof host - 1);
    char body[2048];
    char response[2300];
    int code = 404;
    const char *path = strncmp(request, "GET /", 5) == 0 ? request + 4 : NULL;
    size_t path_len = path == NULL ? 0 : strcspn(path, " \r\n");
    struct in_addr ip;
    if (path != NULL && path_len == 1) {
        code = 200;
        snprintf(body, sizeof body, "%s\nHEARTBEAT %" PRIu64 "\n", host, *beat);
    } else if (path != NULL && strncmp(path, "/ping/", 6) == 0 && parse_ipv4(path + 6, path_len - 6, &ip) == 0) {
        char text[16];
        inet_ntop(AF_INET, &ip, text, sizeof text);
        code = probe_ping(text, body, sizeof body);
    } else if (path != NULL && strncmp(path, "/fetch/", 7) == 0) {
        const char *target = path + 7;
        size_t target_len = path_len - 7;
        const char *colon = memchr(target, ':', target_len);
        long port = colon == NULL ? 0 : strtol(colon + 1, NULL, 10);
        if (colon != NULL && port > 0 && port < 65536 && parse_ipv4(target, (size_t)(colon - target), &ip) == 0) {
            code = probe_fetch(ip, (uint16_t)port, body, sizeof body);
        } else {
            snprintf(body, sizeof body, "use /fetch/IP:PORT\n");
        }
    } else {
        snprintf(body, sizeof body, "not found: GET /, /ping/IP or /fetch/IP:PORT\n");
    }
    int body_len = (int)strlen(body);
    int len = snprintf(response, sizeof response,
                       "HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
                       code == 200 ? "200 OK" : code == 502 ? "502 Bad Gateway" : "404 Not Found", body_len, body);
    if (len > 0) {
        int flags = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        (void)send(fd, response, (size_t)len, MSG_NOSIGNAL);
    }
    close(fd);
}

static void serve(int http, int stream, volatile uint64_t *beat, uint64_t period_ms)
{
    int clients[MAX_STREAMS];
    int half_closed[MAX_STREAMS]; /* the client shut its sending side (socat -u does): keep sending, stop reading */
    int count = 0;
    uint64_t next = mono_ms() + period_ms;
    for (;;) {
        struct pollfd fds[2 + MAX_STREAMS];
        int n = 0;
        fds[n++] = (struct pollfd){.fd = http, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = stream, .events = POLLIN};
        for (int i = 0; i < count; i++) {
            fds[n++] = (struct pollfd){.fd = clients[i], .events = half_closed[i] ? 0 : POLLIN};
        }
        const int polled = count; /* fds[2 + i] belongs to clients[i] for i < polled only */
        uint64_t now = mono_ms();
        int timeout = now >= next ? 0 : (int)(next - now);
        if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR) {
            return;
        }

        if (http >= 0 && (fds[0].revents & POLLIN)) {
            int fd = accept4(http, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                /* Each request in a child: a probe that takes seconds never delays the stream's lines. */
                pid_t pid = fork();
                if (pid == 0) {
                    signal(SIGCHLD, SIG_DFL);
                    close(stream);
                    close(http);
                    for (int i = 0; i < count; i++) {
                        close(clients[i]);
                    }
                    answer_http(fd, beat);
                    _exit(0);
                }
                close(fd);
            }
        }
        if (stream >= 0 && (fds[1].revents & POLLIN)) {
            int fd = accept4(stream, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0 && count < MAX_STREAMS) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                half_closed[count] = 0;
                clients[count++] = fd;
            } else if (fd >= 0) {
                close(fd);
            }
        }

        /* A client that reset its connection (or whose connection failed) is dropped; one that only shut its sending
         * side still gets the lines; what a client sends is ignored. */
        for (int i = polled - 1; i >= 0; i--) {
            short revents = fds[2 + i].revents;
            int gone = (revents & (POLLHUP | POLLERR)) != 0;
            if (!gone && (revents & POLLIN)) {
                char sink[256];
                ssize_t r = recv(clients[i], sink, sizeof sink, MSG_DONTWAIT);
                if (r == 0) {
                    half_closed[i] = 1;
                } else if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                    gone = 1;
                }
            }
            if (gone) {
                close(clients[i]);
                clients[i] = clients[count - 1];
                half_closed[i] = half_closed[count - 1];
                count--;
            }
        }

        now = mono_ms();
        if (now >= next) {
            char line[48];
            int len = snprintf(line, sizeof line, "HEARTBEAT %" PRIu64 "\n", *beat);
            for (int i = count - 1; i >= 0; i--) {
                if (send_all(clients[i], line, (size_t)len) != 0) {
                    close(clients[i]);
                    clients[i] = clients[count - 1];
                    half_closed[i] = half_closed[count - 1];
                    count--;
                }
            }
            next += period_ms;
            /* After a pause (a migration's downtime) go on from now instead of sending the missed lines in a burst. */
            if (now > next + 10 * period_ms) {
                next = now + period_ms;
            }
        }
    }
}

volatile uint64_t *netserver_start(uint16_t http_port, uint16_t stream_port, uint64_t heartbeat_ms)
{
    volatile uint64_t *beat = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (beat == MAP_FAILED) {
        return NULL;
    }
    *beat = 0;
    pid_t pid = fork();
    if (pid < 0) {
        return beat;
    }
    if (pid > 0) {
        return beat;
    }

    /* The server lives as long as the checker; its request children are reaped by the kernel. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    signal(SIGCHLD, SIG_IGN);
    int http = listen_on(http_port);
    int stream = listen_on(stream_port);
    char line[96];
    int len = snprintf(line, sizeof line, "NETSERVER %s http=%u stream=%u\n", http >= 0 && stream >= 0 ? "READY" : "FAILED",
                       (unsigned)http_port, (unsigned)stream_port);
    if (len > 0) {
        (void)!write(STDOUT_FILENO, line, (size_t)len);
    }
    if (http >= 0 || stream >= 0) {
        serve(http, stream, beat, heartbeat_ms);
    }
    _exit(0);
}
