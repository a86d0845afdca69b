/*
 * Respondents through the web form, as a browser without JavaScript fills it in: each of N
 * threads keeps one HTTP/1.1 keep-alive connection to 127.0.0.1:PORT and, for S seconds,
 * plays one respondent after another to the shipped risk assessment (a new browser each:
 * its cookies are cleared):
 *
 *   GET  /s/ai-risk-assessment               the introduction, with the form's anti-forgery token
 *   POST /s/ai-risk-assessment/start         303 to page 1, sets the draft cookie
 *   GET  /s/ai-risk-assessment/page/N        N = 1 … 9, the section's form and its token
 *   POST /s/ai-risk-assessment/page/N        the answers, 303 to page N + 1 or to the review
 *   GET  /s/ai-risk-assessment/review        the answers and the submit form
 *   POST /s/ai-risk-assessment/submit        303 to the confirmation
 *   GET  /s/ai-risk-assessment/done          "Your response is received" with the submission id
 *
 * 23 requests a respondent; redirects are followed by hand. Answers are drawn at random among
 * each question's options, so submissions differ. A respondent counts only when its
 * confirmation page says it was received; any other status, redirect or page is an error (the
 * first few are printed) and that browser is abandoned. A respondent under way when the time
 * is up finishes, so the server stores exactly the respondents counted; the duration runs
 * until the last one has finished.
 *
 * Build: cc -O2 -o respondent respondent.c -lpthread
 * Usage: respondent PORT CONNECTIONS SECONDS [SERVER_PID]
 * With SERVER_PID (and one connection, so that the server serves one request at a time), each
 * request's server CPU is measured too: the CPU time of all the server's threads
 * (/proc/PID/task/TID/schedstat, nanoseconds) read before the request is sent and after its
 * response has arrived. Work the server does between requests (background workers) is not
 * charged to any request; CPU_TOTAL gives the server's CPU over the whole run to compare.
 * Prints: ERROR lines (the first few), a STEPS line (mean milliseconds of each kind of request),
 * with SERVER_PID a CPU line (mean server CPU in microseconds of each kind of request) and a
 * CPU_TOTAL line (microseconds charged to requests, and the server's CPU during the run),
 * and "RESULT respondents=… requests=… duration=… p50_ms=… p99_ms=… request_p50_ms=…
 * request_p99_ms=… errors=…" (p50 and p99 of the whole respondent and of single requests).
 */
#define _GNU_SOURCE  /* strcasestr */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SURVEY "/s/ai-risk-assessment"
#define PAGES 9                      /* sections of the survey, one page each */
#define TIMEOUT_SECONDS 10           /* on every connect, send and receive */
#define MAX_RESPONSE (8 << 20)       /* a larger response is an error */
#define MAX_COOKIES 8
#define ERRORS_SHOWN 5

static int port;
static int server_pid;               /* 0: no CPU figures */
static double deadline;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long errors_seen;             /* under lock */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* A growable list of latencies in milliseconds. */
struct samples { double *values; size_t count, capacity; };

static void add_sample(struct samples *s, double value) {
    if (s->count == s->capacity) {
        s->capacity = s->capacity ? 2 * s->capacity : 1024;
        s->values = realloc(s->values, s->capacity * sizeof *s->values);
        if (!s->values) { perror("respondent: realloc"); exit(1); }
    }
    s->values[s->count++] = value;
}

/* The kinds of request, for the STEPS line. */
enum step { INTRODUCTION, START, PAGE_GET, PAGE_POST, REVIEW, SUBMIT, CONFIRMATION, STEP_KINDS };
static const char *STEP_NAMES[STEP_KINDS] = {
    "introduction", "start", "page_get", "page_post", "review", "submit", "confirmation"};

/* One thread: one connection (one browser at a time), its cookies, its figures. */
struct client {
    int index;                       /* the thread's number */
    int fd;                          /* -1 when not connected */
    unsigned rng;                    /* rand_r state */
    char cookies[MAX_COOKIES][2][128];   /* name, value */
    int cookie_count;
    char *buffer;                    /* the last response, NUL-terminated */
    size_t length, capacity;
    /* The last response. */
    int status;
    char location[256];
    char *body;
    size_t body_length;
    int closes;                      /* the server said Connection: close */
    /* Figures. */
    long respondents, requests, errors;
    struct samples flows, single;
    double step_ms[STEP_KINDS];
    long step_count[STEP_KINDS];
    double step_cpu_us[STEP_KINDS];  /* with server_pid */
};

/* The CPU time of all the server's threads so far, in nanoseconds (0 without server_pid). */
static long long server_cpu_ns(void) {
    char path[320];
    long long total = 0;
    if (!server_pid) return 0;
    snprintf(path, sizeof path, "/proc/%d/task", server_pid);
    DIR *tasks = opendir(path);
    if (!tasks) return 0;
    for (struct dirent *task; (task = readdir(tasks));) {
        if (task->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "/proc/%d/task/%s/schedstat", server_pid, task->d_name);
        FILE *file = fopen(path, "r");
        long long ns;
        if (file && fscanf(file, "%lld", &ns) == 1) total += ns;
        if (file) fclose(file);
    }
    closedir(tasks);
    return total;
}

/* Counts an error and prints the first few. */
static void error(struct client *c, const char *format, ...) {
    c->errors++;
    pthread_mutex_lock(&lock);
    if (errors_seen++ < ERRORS_SHOWN) {
        va_list arguments;
        va_start(arguments, format);
        printf("ERROR ");
        vprintf(format, arguments);
        printf("\n");
        fflush(stdout);
        va_end(arguments);
    }
    pthread_mutex_unlock(&lock);
}

static void disconnect(struct client *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

static int connect_loopback(struct client *c) {
    struct timeval timeout = {TIMEOUT_SECONDS, 0};
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    int one = 1;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return -1;
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);  /* also bounds connect */
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&address, sizeof address) < 0) { disconnect(c); return -1; }
    return 0;
}

/* Reads more of the response into the buffer; 0 at end of stream, -1 on error or timeout. */
static ssize_t receive(struct client *c) {
    if (c->capacity - c->length < 16384) {
        if (c->capacity >= MAX_RESPONSE) return -1;
        c->capacity *= 2;
        c->buffer = realloc(c->buffer, c->capacity);
        if (!c->buffer) { perror("respondent: realloc"); exit(1); }
    }
    ssize_t got;
    do got = recv(c->fd, c->buffer + c->length, c->capacity - c->length - 1, 0);
    while (got < 0 && errno == EINTR);
    if (got > 0) c->length += got;
    return got;
}

/* Keeps a Set-Cookie: replaces one of the same name, or removes it when it expires
 * (Max-Age=0 or an empty value). Every cookie consult sets has the path / or /s/<survey>,
 * which cover every request made here, so all are sent with every request. */
static void keep_cookie(struct client *c, const char *header) {
    const char *equals = strchr(header, '='), *end = equals ? strpbrk(equals, ";\r") : NULL;
    if (!equals || !end || equals - header >= 128 || end - equals - 1 >= 128) return;
    char name[128], value[128];
    snprintf(name, sizeof name, "%.*s", (int)(equals - header), header);
    snprintf(value, sizeof value, "%.*s", (int)(end - equals - 1), equals + 1);
    const char *line_end = strstr(end, "\r\n");
    const char *expired = strcasestr(end, "Max-Age=0");
    int removes = value[0] == '\0' || (expired && expired < line_end);
    for (int i = 0; i < c->cookie_count; i++) {
        if (strcmp(c->cookies[i][0], name) != 0) continue;
        if (removes) memcpy(c->cookies[i], c->cookies[--c->cookie_count], sizeof c->cookies[i]);
        else strcpy(c->cookies[i][1], value);
        return;
    }
    if (!removes && c->cookie_count < MAX_COOKIES) {
        strcpy(c->cookies[c->cookie_count][0], name);
        strcpy(c->cookies[c->cookie_count++][1], value);
    }
}

/* Whether the header line `line` holds `word` (case-insensitive) before its end. */
static int header_has(const char *line, const char *word) {
    const char *found = strcasestr(line, word);
    return found && found < strstr(line, "\r\n");
}

/* Reads one response: status line, headers (cookies kept), and a body of Content-Length
 * bytes, in chunks, or up to the end of the stream. 0 on success, -1 on a broken response. */
static int read_response(struct client *c) {
    char *head_end;
    c->length = 0;
    c->buffer[0] = '\0';
    while (!(head_end = strstr(c->buffer, "\r\n\r\n"))) {
        if (receive(c) <= 0) return -1;
        c->buffer[c->length] = '\0';
    }
    size_t head_length = head_end + 4 - c->buffer;
    if (sscanf(c->buffer, "HTTP/1.%*d %d", &c->status) != 1) return -1;
    long content_length = -1;
    int chunked = 0;
    c->closes = 0;
    c->location[0] = '\0';
    for (char *line = strstr(c->buffer, "\r\n") + 2; line < head_end; line = strstr(line, "\r\n") + 2) {
        if (!strncasecmp(line, "Content-Length:", 15)) content_length = strtol(line + 15, NULL, 10);
        else if (!strncasecmp(line, "Transfer-Encoding:", 18)) chunked = header_has(line, "chunked");
        else if (!strncasecmp(line, "Connection:", 11)) c->closes = header_has(line, "close");
        else if (!strncasecmp(line, "Location:", 9)) sscanf(line + 9, " %255[^\r]", c->location);
        else if (!strncasecmp(line, "Set-Cookie:", 11)) keep_cookie(c, line + 11 + strspn(line + 11, " "));
    }
    size_t body = head_length;
    if (chunked) {
        /* Decodes in place: each chunk's data moves down over the size lines before it. */
        size_t read_at = body, write_at = body;
        for (;;) {
            char *line_end;
            while (!(line_end = strstr(c->buffer + read_at, "\r\n"))) {
                if (receive(c) <= 0) return -1;
                c->buffer[c->length] = '\0';
            }
            char *digits_end;
            long size = strtol(c->buffer + read_at, &digits_end, 16);
            if (digits_end == c->buffer + read_at || size < 0 || size > MAX_RESPONSE) return -1;
            read_at = line_end + 2 - c->buffer;
            if (size == 0) {  /* the last chunk; no trailers expected, only the final CRLF */
                while (c->length < read_at + 2) if (receive(c) <= 0) return -1;
                break;
            }
            while (c->length < read_at + size + 2) {
                if (receive(c) <= 0) return -1;
            }
            memmove(c->buffer + write_at, c->buffer + read_at, size);
            write_at += size;
            read_at += size + 2;
            c->buffer[c->length] = '\0';
        }
        c->length = write_at;
    } else if (content_length >= 0) {
        if (content_length > MAX_RESPONSE) return -1;
        while (c->length < body + content_length) if (receive(c) <= 0) return -1;
        c->length = body + content_length;
    } else if (c->status != 204 && c->status != 304 && c->status / 100 != 1 && c->status / 100 != 3) {
        ssize_t got;
        while ((got = receive(c)) > 0) {}
        if (got < 0) return -1;
        c->closes = 1;
    } else {
        c->length = body;
    }
    c->buffer[c->length] = '\0';
    c->body = c->buffer + body;
    c->body_length = c->length - body;
    return 0;
}

/* One request on the kept connection (reconnecting when needed), timed as `step`.
 * A reused connection the server had closed before reading anything is retried once on a
 * new one, as browsers do. 0 when a response arrived, -1 otherwise (counted as an error). */
static int request(struct client *c, enum step step, const char *method, const char *path, const char *form) {
    char head[2048];
    int length = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: consult-bench\r\n"
        "Accept: text/html\r\n", method, path, port);
    if (c->cookie_count) {
        length += snprintf(head + length, sizeof head - length, "Cookie: ");
        for (int i = 0; i < c->cookie_count; i++)
            length += snprintf(head + length, sizeof head - length, "%s%s=%s", i ? "; " : "", c->cookies[i][0], c->cookies[i][1]);
        length += snprintf(head + length, sizeof head - length, "\r\n");
    }
    if (form)
        length += snprintf(head + length, sizeof head - length,
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n", strlen(form));
    length += snprintf(head + length, sizeof head - length, "\r\n");
    if (length >= (int)sizeof head) { error(c, "%s %s: request head too long", method, path); return -1; }

    long long cpu_before = server_cpu_ns();
    double started = now();
    for (int attempt = 0; attempt < 2; attempt++) {
        int reused = c->fd >= 0;
        errno = 0;
        c->length = 0;
        if (!reused && connect_loopback(c) < 0) break;
        struct iovec parts[2] = {{head, length}, {(void *)(form ? form : ""), form ? strlen(form) : 0}};
        struct msghdr message = {.msg_iov = parts, .msg_iovlen = 2};
        size_t total = length + parts[1].iov_len, sent = 0;
        int failed = 0;
        while (sent < total && !failed) {  /* sendmsg may send part of it */
            ssize_t n = sendmsg(c->fd, &message, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) { failed = 1; break; }
            sent += n;
            for (size_t k = 0; k < 2; k++) {
                size_t used = (size_t)n < parts[k].iov_len ? (size_t)n : parts[k].iov_len;
                parts[k].iov_base = (char *)parts[k].iov_base + used;
                parts[k].iov_len -= used;
                n -= used;
            }
        }
        if (!failed && read_response(c) == 0) {
            if (c->closes) disconnect(c);
            double ms = (now() - started) * 1000;
            c->requests++;
            add_sample(&c->single, ms);
            c->step_ms[step] += ms;
            c->step_count[step]++;
            if (server_pid) c->step_cpu_us[step] += (server_cpu_ns() - cpu_before) / 1e3;
            return 0;
        }
        int nothing_read = c->length == 0;
        disconnect(c);
        if (!(reused && nothing_read)) break;
    }
    error(c, "%s %s: no response (%s)", method, path, errno ? strerror(errno) : "connection closed");
    return -1;
}

/* The page's <title>, to say what an unexpected page was. */
static const char *title(struct client *c, char *out, size_t size) {
    const char *start = strstr(c->body, "<title>"), *end = start ? strstr(start, "</title>") : NULL;
    snprintf(out, size, "%.*s", start && end ? (int)(end - start - 7) : 0, start ? start + 7 : "");
    return out;
}

/* Checks the status (and for a redirect, where it leads); counts and reports anything else. */
static int expect(struct client *c, const char *method, const char *path, int status, const char *location) {
    char text[160];
    if (c->status != status) {
        error(c, "%s %s: status %d, expected %d (%s)", method, path, c->status, status, title(c, text, sizeof text));
        return -1;
    }
    if (location && strcmp(c->location, location) != 0) {
        error(c, "%s %s: redirected to \"%s\", expected %s", method, path, c->location, location);
        return -1;
    }
    return 0;
}

/* The form's anti-forgery token in the last page (base64url, so it needs no escaping). */
static int form_token(struct client *c, const char *path, char *token, size_t size) {
    const char *field = strstr(c->body, "name=\"csrf\" value=\"");
    const char *end = field ? strchr(field + 19, '"') : NULL;
    if (!end || end - field - 19 <= 0 || (size_t)(end - field - 19) >= size) {
        error(c, "GET %s: no form token in the page", path);
        return -1;
    }
    snprintf(token, size, "%.*s", (int)(end - field - 19), field + 19);
    return 0;
}

/* A form body being built, URL-encoded as a browser sends it. */
struct form { char text[8192]; size_t length; };

static void add(struct form *f, const char *name, const char *value) {
    static const char *HEX = "0123456789ABCDEF";
    const char *parts[2] = {name, value};
    if (f->length) f->text[f->length++] = '&';
    for (int k = 0; k < 2; k++) {
        if (k) f->text[f->length++] = '=';
        for (const unsigned char *p = (const unsigned char *)parts[k]; *p && f->length < sizeof f->text - 4; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._*", *p)) {
                f->text[f->length++] = *p;
            } else if (*p == ' ') {
                f->text[f->length++] = '+';
            } else {
                f->text[f->length++] = '%';
                f->text[f->length++] = HEX[*p >> 4];
                f->text[f->length++] = HEX[*p & 15];
            }
        }
    }
    f->text[f->length] = '\0';
}

/* The options of the survey's questions (Surveys/ai-risk-assessment.yaml), NULL-terminated. */
static const char *AGENCIES[] = {"police", "customs_border", "prosecution_courts", "corrections",
    "intelligence_financial", "technology_provider", "oversight_body", "other", NULL};
static const char *COUNTRIES[] = {"FR", "KE", "BR", "IN", "JP", "DE", "MX", "NG", "AU", "CA", "AT", "ZA", NULL};
static const char *STAGES[] = {"idea", "procurement", "development", "testing", "deployment", "in_use", "review", NULL};
static const char *SCALE[] = {"1", "2", "3", "4", "5", NULL};
static const char *REVIEW_OPTIONS[] = {"always", "sometimes", "never", NULL};
static const char *TESTING[] = {"independent", "internal", "not_tested", NULL};
static const char *FULL_PARTIAL_NONE[] = {"full", "partial", "none", NULL};
static const char *ASSESSMENT[] = {"done", "in_progress", "not_done", NULL};
static const char *MISSING[] = {"no_training", "no_external_oversight", "no_incident_procedure", "no_monitoring",
    "no_data_governance", "no_exit_plan", NULL};
static const char *YES_NO[] = {"yes", "no", NULL};
static const char *PUBLICATION[] = {"confidential", "public_anonymous", "public_named", NULL};
static const char *DESCRIPTIONS[] = {
    "Cameras read number plates and match them against a list of stolen vehicles; an officer reviews every match.",
    "A model ranks incoming fraud reports by urgency so that investigators see the most serious ones first.",
    "Speech-to-text transcribes recorded interviews; officers correct the transcripts before they go into the file.",
    NULL};
/* Pages 2 to 6: two risks each (likelihood and impact, 1 to 5) and an optional note. */
static const char *RISKS[5][3] = {
    {"lawful_basis", "proportionality", "lawfulness_note"}, {"accuracy", "safety", "harm_note"},
    {"human_oversight", "privacy", "autonomy_note"}, {"discrimination", "redress", "fairness_note"},
    {"accountability", "traceability", "governance_note"}};

static const char *one(struct client *c, const char **options) {
    int count = 0;
    while (options[count]) count++;
    return options[rand_r(&c->rng) % count];
}

/* The fields of page `page` as a browser without JavaScript posts them: the token, every
 * field in the page's order (text fields left blank included), and the button pressed. */
static void fill(struct client *c, int page, long respondent, const char *token, struct form *f) {
    char text[160], name[64];
    f->length = 0;
    add(f, "csrf", token);
    switch (page) {
    case 1: {
        const char *agency = one(c, AGENCIES);
        add(f, "q.agency_type", agency);
        add(f, "q.agency_type.other", strcmp(agency, "other") ? "" : "Regional road-safety authority");
        add(f, "q.country", one(c, COUNTRIES));
        snprintf(text, sizeof text, "Case assistant %d-%ld", c->index, respondent);
        add(f, "q.system_name", text);
        add(f, "q.use_case_description", one(c, DESCRIPTIONS));
        add(f, "q.lifecycle_stage", one(c, STAGES));
        snprintf(text, sizeof text, "%d", rand_r(&c->rng) % 2000000);
        add(f, "q.people_affected", text);
        break;
    }
    case 2: case 3: case 4: case 5: case 6:
        for (int r = 0; r < 2; r++) {
            snprintf(name, sizeof name, "q.%s_likelihood", RISKS[page - 2][r]);
            add(f, name, one(c, SCALE));
            snprintf(name, sizeof name, "q.%s_impact", RISKS[page - 2][r]);
            add(f, name, one(c, SCALE));
        }
        snprintf(name, sizeof name, "q.%s", RISKS[page - 2][2]);
        add(f, name, rand_r(&c->rng) % 3 ? "" : "Rated after the pilot; see the report, § 4 & annex “B”.");
        break;
    case 7:
        add(f, "q.human_review", one(c, REVIEW_OPTIONS));
        add(f, "q.bias_testing", one(c, TESTING));
        add(f, "q.audit_logging", one(c, FULL_PARTIAL_NONE));
        add(f, "q.contest_procedure", one(c, FULL_PARTIAL_NONE));
        add(f, "q.impact_assessment", one(c, ASSESSMENT));
        for (int m = 0; MISSING[m]; m++)  /* checkboxes: each ticked one sends the name again */
            if (rand_r(&c->rng) % 3 == 0) add(f, "q.missing_safeguards", MISSING[m]);
        snprintf(text, sizeof text, "assessor%ld@example.org", respondent);
        add(f, "q.contact_email", rand_r(&c->rng) % 2 ? text : "");
        break;
    case 8: {
        const char *other_effects = one(c, YES_NO);
        add(f, "q.core_functions", one(c, YES_NO));
        add(f, "q.other_rights_effects", other_effects);
        add(f, "q.other_rights_details",
            strcmp(other_effects, "yes") ? "" : "Freedom of assembly: people may avoid demonstrations near the cameras.");
        break;
    }
    case 9:
        add(f, "q.publication", one(c, PUBLICATION));
        break;
    }
    add(f, "action", page < PAGES ? "next" : "review");
}

/* One respondent, from the introduction to the confirmation; 0 when the response was received. */
static int respond(struct client *c) {
    char token[128], path[256], next[256];
    struct form form;
    long respondent = c->respondents;
    c->cookie_count = 0;  /* a new browser */

    if (request(c, INTRODUCTION, "GET", SURVEY, NULL) || expect(c, "GET", SURVEY, 200, NULL)
        || form_token(c, SURVEY, token, sizeof token)) return -1;
    form.length = 0;
    add(&form, "csrf", token);
    if (request(c, START, "POST", SURVEY "/start", form.text)
        || expect(c, "POST", SURVEY "/start", 303, SURVEY "/page/1")) return -1;
    for (int page = 1; page <= PAGES; page++) {
        snprintf(path, sizeof path, "%s", c->location);  /* follows the redirect */
        if (request(c, PAGE_GET, "GET", path, NULL) || expect(c, "GET", path, 200, NULL)
            || form_token(c, path, token, sizeof token)) return -1;
        fill(c, page, respondent, token, &form);
        if (page < PAGES) snprintf(next, sizeof next, SURVEY "/page/%d", page + 1);
        else snprintf(next, sizeof next, SURVEY "/review");
        if (request(c, PAGE_POST, "POST", path, form.text) || expect(c, "POST", path, 303, next)) return -1;
    }
    if (request(c, REVIEW, "GET", SURVEY "/review", NULL) || expect(c, "GET", SURVEY "/review", 200, NULL)
        || form_token(c, SURVEY "/review", token, sizeof token)) return -1;
    form.length = 0;
    add(&form, "csrf", token);
    if (request(c, SUBMIT, "POST", SURVEY "/submit", form.text)
        || expect(c, "POST", SURVEY "/submit", 303, SURVEY "/done")) return -1;
    if (request(c, CONFIRMATION, "GET", SURVEY "/done", NULL) || expect(c, "GET", SURVEY "/done", 200, NULL)) return -1;
    /* Received: the heading, and a submission id of 32 hex digits. */
    const char *id = strstr(c->body, "<dd id=\"submission-id\">");
    if (!strstr(c->body, "Your response is received") || !id || strspn(id + 23, "0123456789abcdef") != 32) {
        error(c, "GET %s/done: the page does not confirm a submission", SURVEY);
        return -1;
    }
    return 0;
}

static void *run(void *argument) {
    struct client *c = argument;
    while (now() < deadline) {
        double started = now();
        if (respond(c) == 0) {
            c->respondents++;
            add_sample(&c->flows, (now() - started) * 1000);
        } else {
            disconnect(c);  /* a failed browser is abandoned, its connection with it */
            if (now() - started < 0.01) usleep(10000);  /* no busy loop if the server is gone */
        }
    }
    disconnect(c);
    return NULL;
}

static int ascending(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(struct samples *s, double p) {
    if (s->count == 0) return 0;
    size_t index = (size_t)(p / 100 * s->count);
    return s->values[index < s->count ? index : s->count - 1];
}

int main(int argc, char **argv) {
    if ((argc != 4 && argc != 5) || atoi(argv[1]) <= 0 || atoi(argv[2]) <= 0 || atof(argv[3]) <= 0
        || (argc == 5 && (atoi(argv[4]) <= 0 || atoi(argv[2]) != 1))) {
        fprintf(stderr, "usage: respondent PORT CONNECTIONS SECONDS [SERVER_PID, with 1 connection]\n");
        return 2;
    }
    port = atoi(argv[1]);
    int threads = atoi(argv[2]);
    if (argc == 5) server_pid = atoi(argv[4]);
    long long run_cpu_before = server_cpu_ns();
    struct client *clients = calloc(threads, sizeof *clients);
    pthread_t *ids = calloc(threads, sizeof *ids);
    if (!clients || !ids) { perror("respondent: calloc"); return 1; }
    double started = now();
    deadline = started + atof(argv[3]);
    for (int t = 0; t < threads; t++) {
        clients[t].index = t;
        clients[t].fd = -1;
        clients[t].rng = (unsigned)time(NULL) * 2654435761u + t;
        clients[t].capacity = 65536;
        clients[t].buffer = malloc(clients[t].capacity);
        if (!clients[t].buffer || pthread_create(&ids[t], NULL, run, &clients[t]) != 0) {
            fprintf(stderr, "respondent: cannot start thread %d\n", t);
            return 1;
        }
    }
    struct client total = {0};
    for (int t = 0; t < threads; t++) {
        pthread_join(ids[t], NULL);
        struct client *c = &clients[t];
        total.respondents += c->respondents;
        total.requests += c->requests;
        total.errors += c->errors;
        for (size_t i = 0; i < c->flows.count; i++) add_sample(&total.flows, c->flows.values[i]);
        for (size_t i = 0; i < c->single.count; i++) add_sample(&total.single, c->single.values[i]);
        for (int k = 0; k < STEP_KINDS; k++) {
            total.step_ms[k] += c->step_ms[k];
            total.step_count[k] += c->step_count[k];
            total.step_cpu_us[k] += c->step_cpu_us[k];
        }
    }
    double duration = now() - started;  /* includes the respondents that finished after the time */
    qsort(total.flows.values, total.flows.count, sizeof(double), ascending);
    qsort(total.single.values, total.single.count, sizeof(double), ascending);
    printf("STEPS");
    for (int k = 0; k < STEP_KINDS; k++)
        printf(" %s=%.2f", STEP_NAMES[k], total.step_count[k] ? total.step_ms[k] / total.step_count[k] : 0);
    printf("\n");
    if (server_pid) {
        double charged = 0;
        printf("CPU");
        for (int k = 0; k < STEP_KINDS; k++) {
            printf(" %s=%.0f", STEP_NAMES[k], total.step_count[k] ? total.step_cpu_us[k] / total.step_count[k] : 0);
            charged += total.step_cpu_us[k];
        }
        printf("\nCPU_TOTAL charged_us=%.0f server_us=%.0f\n", charged, (server_cpu_ns() - run_cpu_before) / 1e3);
    }
    printf("RESULT respondents=%ld requests=%ld duration=%.3f p50_ms=%.2f p99_ms=%.2f request_p50_ms=%.2f "
        "request_p99_ms=%.2f errors=%ld\n", total.respondents, total.requests, duration, percentile(&total.flows, 50),
        percentile(&total.flows, 99), percentile(&total.single, 50), percentile(&total.single, 99), total.errors);
    return 0;
}
