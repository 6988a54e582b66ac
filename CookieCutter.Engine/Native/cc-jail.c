/*
 * cc-jail: starts a command inside a Cookie-Cutter container, or inside a running one.
 *
 *   cc-jail run ROOT [options] -- COMMAND [ARG...]
 *   cc-jail enter PID [options] -- COMMAND [ARG...]
 *
 * "run" clones a child into new pid, mount, uts and ipc namespaces (and a network namespace
 * with --net-none). The child mounts /proc, a small /dev and the volumes inside ROOT, and sets
 * the hostname. It makes ROOT the root of its mount namespace with pivot_root and detaches the
 * host's root. Then it drops the capabilities that allow an escape and executes COMMAND as pid 1.
 * "enter" joins the namespaces of a running container's pid 1 and executes COMMAND there.
 *
 * The parent stays in the host's namespaces. It forwards SIGINT, SIGTERM, SIGHUP and SIGQUIT
 * to the child, sends SIGKILL when --grace seconds pass after the first of them, and exits
 * with the child's status (128 + N when signal N killed it). When the process that started it
 * dies, it stops the container the same way and, with --orphan-umount, detaches the container
 * root and, with --orphan-remove, deletes the container folder on its file system only.
 *
 * Setup failures are written to the --error-file (and to stderr) and give exit status 125.
 * The engine builds this file with "cc -O2"; it needs only the C library.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <time.h>
#include <unistd.h>

#define SETUP_FAILED 125
#define MAX_LIST 256

static const char *error_file;
static const char *root_dir;
static const char *hostname_value;
static const char *workdir = "/";
static const char *user_spec;
static const char *pid_file;
static const char *lock_file;
static const char *orphan_umount;
static const char *orphan_remove;
static const char *exit_file;
static int net_none;
static int keep_caps;
static int grace_seconds = 10;
static char *volumes[MAX_LIST];
static int volume_count;
static char *env_list[MAX_LIST];
static int env_count;
static char *cgroups[MAX_LIST];
static int cgroup_count;

static void fail(const char *format, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Writes a setup failure to stderr and to the error file, then exits with status 125. */
static void fail(const char *format, ...)
{
    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    fprintf(stderr, "cc-jail: %s\n", message);
    if (error_file != NULL) {
        int fd = open(error_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            ssize_t ignored = write(fd, message, strlen(message));
            (void)ignored;
            close(fd);
        }
    }
    _exit(SETUP_FAILED);
}

static void write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, text, strlen(text)) < 0 || close(fd) < 0)
        fail("cannot write '%s': %s", path, strerror(errno));
}

/* Fails unless PATH, with every symbolic link resolved, still lies inside the container root. */
static void require_inside_root(const char *path, const char *what)
{
    char resolved[PATH_MAX];
    size_t length = strlen(root_dir);
    if (realpath(path, resolved) == NULL)
        fail("cannot resolve %s '%s': %s", what, path, strerror(errno));
    if (strncmp(resolved, root_dir, length) != 0 || (resolved[length] != '/' && resolved[length] != '\0'))
        fail("%s '%s' resolves to '%s', outside the container root", what, path, resolved);
}

/* Creates PATH unless it exists. With INSIDE_ROOT set, fails unless PATH resolves inside the root. */
static void make_directory(const char *path, int inside_root)
{
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        fail("cannot create directory '%s': %s", path, strerror(errno));
    if (inside_root)
        require_inside_root(path, "directory");
}

/*
 * Creates every missing directory of PATH, like "mkdir -p". Each level below the container
 * root is checked before the next is created, so a symbolic link that the container planted
 * cannot make this process create directories on the host.
 */
static void make_directories(const char *path)
{
    char buffer[PATH_MAX];
    size_t root_length = root_dir != NULL ? strlen(root_dir) : 0;
    snprintf(buffer, sizeof buffer, "%s", path);
    for (char *slash = buffer + 1; *slash != '\0'; slash++) {
        if (*slash != '/')
            continue;
        *slash = '\0';
        make_directory(buffer, root_dir != NULL && (size_t)(slash - buffer) >= root_length);
        *slash = '/';
    }
    make_directory(buffer, root_dir != NULL && strlen(buffer) >= root_length);
}

static void bind_device(const char *name)
{
    char source[64], target[PATH_MAX + 64];
    snprintf(source, sizeof source, "/dev/%s", name);
    snprintf(target, sizeof target, "%s/dev/%s", root_dir, name);
    int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        fail("cannot create '%s': %s", target, strerror(errno));
    close(fd);
    if (mount(source, target, NULL, MS_BIND, NULL) < 0)
        fail("cannot bind '%s': %s", source, strerror(errno));
}

/* Mounts a tmpfs on ROOT/dev with the harmless devices, a private devpts and /dev/shm. */
static void mount_dev(void)
{
    static const char *devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
    char path[PATH_MAX], target[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/dev", root_dir);
    make_directories(path);
    require_inside_root(path, "/dev");
    if (mount("cc-dev", path, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k") < 0)
        fail("cannot mount tmpfs on '%s': %s", path, strerror(errno));
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++)
        bind_device(devices[i]);
    snprintf(target, sizeof target, "%s/pts", path);
    make_directories(target);
    if (mount("devpts", target, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
        fail("cannot mount devpts on '%s': %s", target, strerror(errno));
    snprintf(target, sizeof target, "%s/shm", path);
    make_directories(target);
    if (mount("shm", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=65536k") < 0)
        fail("cannot mount tmpfs on '%s': %s", target, strerror(errno));
    static const char *links[][2] = {
        {"pts/ptmx", "ptmx"}, {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
        {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        snprintf(target, sizeof target, "%s/%s", path, links[i][1]);
        if (symlink(links[i][0], target) < 0)
            fail("cannot create '%s': %s", target, strerror(errno));
    }
}

/* Bind-mounts one "HOST:CONTAINER[:ro]" volume below the container root. */
static void mount_volume(char *spec)
{
    char *source = spec;
    char *target = strchr(spec, ':');
    if (target == NULL || target[1] != '/')
        fail("invalid volume '%s': expected HOST:CONTAINER[:ro] with an absolute CONTAINER path", spec);
    *target++ = '\0';
    int read_only = 0;
    char *mode = strrchr(target, ':');
    if (mode != NULL && strcmp(mode, ":ro") == 0) {
        read_only = 1;
        *mode = '\0';
    } else if (mode != NULL && strcmp(mode, ":rw") == 0) {
        *mode = '\0';
    }

    struct stat info;
    if (stat(source, &info) < 0)
        fail("volume source '%s' is not usable: %s", source, strerror(errno));

    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s", root_dir, target);
    if (S_ISDIR(info.st_mode)) {
        make_directories(path);
    } else {
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s", path);
        *strrchr(parent, '/') = '\0';
        make_directories(parent);
        require_inside_root(parent, "volume target");
        int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
            fail("cannot create volume target '%s': %s", target, strerror(errno));
        close(fd);
    }
    require_inside_root(path, "volume target");

    if (mount(source, path, NULL, MS_BIND | MS_REC, NULL) < 0)
        fail("cannot bind '%s' on '%s': %s", source, target, strerror(errno));
    if (read_only && mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL) < 0)
        fail("cannot make volume '%s' read-only: %s", target, strerror(errno));
}

static void bring_loopback_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strcpy(request.ifr_name, "lo");
    if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &request) < 0)
        fail("cannot read the loopback interface: %s", strerror(errno));
    request.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &request) < 0)
        fail("cannot bring the loopback interface up: %s", strerror(errno));
    close(fd);
}

/* Makes ROOT the root of the mount namespace and detaches the host's root below it. */
static void enter_root(void)
{
    if (chdir(root_dir) < 0)
        fail("cannot enter container root '%s': %s", root_dir, strerror(errno));
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        fail("pivot_root into '%s' failed: %s", root_dir, strerror(errno));
    if (umount2(".", MNT_DETACH) < 0)
        fail("cannot detach the host root: %s", strerror(errno));
    if (chdir("/") < 0)
        fail("cannot enter '/': %s", strerror(errno));
}

/* Finds NAME or a numeric id in a colon-separated database such as /etc/passwd. */
static int lookup_entry(const char *database, const char *name, char **fields, int wanted, char *line, size_t size)
{
    FILE *file = fopen(database, "re");
    if (file == NULL)
        return 0;
    while (fgets(line, (int)size, file) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        int count = 0;
        char *cursor = line;
        while (count < wanted) {
            fields[count++] = cursor;
            cursor = strchr(cursor, ':');
            if (cursor == NULL)
                break;
            *cursor++ = '\0';
        }
        if (count >= 3 && (strcmp(fields[0], name) == 0 || strcmp(fields[2], name) == 0)) {
            fclose(file);
            return count;
        }
    }
    fclose(file);
    return 0;
}

static int is_number(const char *text)
{
    if (*text == '\0')
        return 0;
    for (; *text != '\0'; text++)
        if (*text < '0' || *text > '9')
            return 0;
    return 1;
}

/* Switches to USER[:GROUP] as the container's own /etc/passwd and /etc/group define them. */
static void switch_user(const char **home)
{
    char spec[256];
    snprintf(spec, sizeof spec, "%s", user_spec);
    char *group = strchr(spec, ':');
    if (group != NULL)
        *group++ = '\0';

    char line[4096];
    char *fields[7];
    uid_t uid;
    gid_t gid;
    const char *user_name = NULL;
    if (lookup_entry("/etc/passwd", spec, fields, 7, line, sizeof line) >= 6) {
        uid = (uid_t)strtoul(fields[2], NULL, 10);
        gid = (gid_t)strtoul(fields[3], NULL, 10);
        static char home_buffer[PATH_MAX], name_buffer[256];
        snprintf(home_buffer, sizeof home_buffer, "%s", fields[5]);
        snprintf(name_buffer, sizeof name_buffer, "%s", fields[0]);
        *home = home_buffer;
        user_name = name_buffer;
    } else if (is_number(spec)) {
        uid = (uid_t)strtoul(spec, NULL, 10);
        gid = uid;
    } else {
        fail("user '%s' was not found in the container's /etc/passwd", spec);
    }

    if (group != NULL) {
        char group_line[4096];
        char *group_fields[4];
        if (lookup_entry("/etc/group", group, group_fields, 4, group_line, sizeof group_line) >= 3)
            gid = (gid_t)strtoul(group_fields[2], NULL, 10);
        else if (is_number(group))
            gid = (gid_t)strtoul(group, NULL, 10);
        else
            fail("group '%s' was not found in the container's /etc/group", group);
    }

    gid_t groups[MAX_LIST];
    int group_count = 0;
    groups[group_count++] = gid;
    FILE *file = user_name != NULL ? fopen("/etc/group", "re") : NULL;
    while (file != NULL && fgets(line, sizeof line, file) != NULL && group_count < MAX_LIST) {
        line[strcspn(line, "\n")] = '\0';
        char *parts[4] = {0};
        char *cursor = line;
        for (int i = 0; i < 4 && cursor != NULL; i++) {
            parts[i] = cursor;
            cursor = strchr(cursor, ':');
            if (cursor != NULL)
                *cursor++ = '\0';
        }
        if (parts[3] == NULL)
            continue;
        for (char *member = strtok(parts[3], ","); member != NULL; member = strtok(NULL, ","))
            if (strcmp(member, user_name) == 0)
                groups[group_count++] = (gid_t)strtoul(parts[2], NULL, 10);
    }
    if (file != NULL)
        fclose(file);

    if (setgroups((size_t)group_count, groups) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
        fail("cannot switch to user '%s': %s", user_spec, strerror(errno));
}

/*
 * The capabilities a container keeps: what package installs and services need. Everything
 * else is dropped, among it CAP_SYS_ADMIN, CAP_SYS_CHROOT, CAP_MKNOD, CAP_DAC_READ_SEARCH
 * (open_by_handle_at), CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_PTRACE and CAP_SYS_BOOT.
 */
static unsigned long long kept_capabilities(void)
{
    static const int kept[] = {
        CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID, CAP_SETUID,
        CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SETFCAP, CAP_AUDIT_WRITE,
    };
    unsigned long long mask = 0;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        mask |= 1ULL << kept[i];
    return mask;
}

/* Removes the dropped capabilities from the bounding set, so no later exec can regain them. */
static void drop_bounding_set(void)
{
    unsigned long long mask = kept_capabilities();
    for (int cap = 0; cap <= 63; cap++) {
        if (mask & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            fail("cannot drop capability %d: %s", cap, strerror(errno));
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/* Removes the dropped capabilities from this process's own sets and clears the inheritable set. */
static void drop_process_capabilities(void)
{
    unsigned long long mask = kept_capabilities();
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) < 0)
        fail("cannot read capabilities: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
        unsigned int part = (unsigned int)(mask >> (32 * i));
        data[i].effective &= part;
        data[i].permitted &= part;
        data[i].inheritable = 0;
    }
    if (syscall(SYS_capset, &header, data) < 0)
        fail("cannot set capabilities: %s", strerror(errno));
}

/*
 * Marks every file descriptor above standard error close-on-exec. The caller of the engine may
 * have left descriptors open without that flag, and a directory among them would give the
 * command a way out of the container root through fchdir or /proc/self/fd.
 */
static void close_inherited_descriptors(void)
{
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    long limit = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (limit > 0 && limit < 1048576 ? limit : 1048576); fd++)
        fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

/* Replaces this process with the command, in a clean environment, from the working directory. */
static void execute(char **command)
{
    const char *home = "/root";
    if (chdir(workdir) < 0)
        fail("cannot enter working directory '%s': %s", workdir, strerror(errno));
    if (!keep_caps)
        drop_bounding_set();
    if (user_spec != NULL)
        switch_user(&home);
    if (!keep_caps)
        drop_process_capabilities();

    clearenv();
    setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
    setenv("HOME", home, 1);
    for (int i = 0; i < env_count; i++)
        putenv(env_list[i]);

    if (error_file != NULL)
        unlink(error_file);
    close_inherited_descriptors();
    execvp(command[0], command);
    int code = errno == ENOENT ? 127 : 126;
    fprintf(stderr, "cc-jail: cannot run '%s': %s\n", command[0], strerror(errno));
    _exit(code);
}

/* Sets up the new namespaces from inside them, as pid 1, then runs the command. */
static void run_child(char **command)
{
    char path[PATH_MAX];
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        fail("cannot make the mount namespace private: %s", strerror(errno));
    if (mount(root_dir, root_dir, NULL, MS_BIND | MS_REC, NULL) < 0)
        fail("cannot bind the container root '%s': %s", root_dir, strerror(errno));

    snprintf(path, sizeof path, "%s/proc", root_dir);
    make_directories(path);
    require_inside_root(path, "/proc");
    if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        fail("cannot mount /proc: %s", strerror(errno));
    mount_dev();
    for (int i = 0; i < volume_count; i++)
        mount_volume(volumes[i]);
    if (hostname_value != NULL && sethostname(hostname_value, strlen(hostname_value)) < 0)
        fail("cannot set hostname '%s': %s", hostname_value, strerror(errno));
    if (net_none)
        bring_loopback_up();
    enter_root();
    execute(command);
}

/* Joins the namespaces of a running container's pid 1 before forking the command. */
static void join_namespaces(pid_t target)
{
    static const char *kinds[] = {"ipc", "uts", "net", "pid", "mnt"};
    int fds[5];
    char path[64];
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)target, kinds[i]);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0)
            fail("container process %d is not running: cannot open %s: %s", (int)target, path, strerror(errno));
    }
    for (int i = 0; i < 5; i++) {
        if (setns(fds[i], 0) < 0)
            fail("cannot join the %s namespace of process %d: %s", kinds[i], (int)target, strerror(errno));
        close(fds[i]);
    }
}

static int remove_entry(const char *path, const struct stat *info, int type, struct FTW *walk)
{
    (void)info;
    (void)walk;
    return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

static int exit_status(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Waits for the child, forwarding termination signals, and escalates to SIGKILL after the
 * grace period. Returns the child's status as a shell would report it.
 */
static int supervise(pid_t child, int parent_fd)
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGCHLD);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGQUIT);
    int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
    if (signal_fd < 0)
        fail("cannot create a signalfd: %s", strerror(errno));

    struct timespec kill_at = {0, 0};
    int orphaned = 0;
    for (;;) {
        int status;
        pid_t done = waitpid(child, &status, WNOHANG);
        if (done == child) {
            if (orphaned && orphan_umount != NULL)
                umount2(orphan_umount, MNT_DETACH);
            if (orphaned && orphan_remove != NULL)
                nftw(orphan_remove, remove_entry, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
            return exit_status(status);
        }

        int timeout = -1;
        if (kill_at.tv_sec != 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long long left = (kill_at.tv_sec - now.tv_sec) * 1000LL + (kill_at.tv_nsec - now.tv_nsec) / 1000000;
            if (left <= 0) {
                kill(child, SIGKILL);
                left = 1000;
            }
            timeout = (int)left;
        }

        struct pollfd watched[2] = {{signal_fd, POLLIN, 0}, {parent_fd, POLLIN, 0}};
        int count = poll(watched, parent_fd >= 0 ? 2 : 1, timeout);
        if (count < 0 && errno != EINTR)
            fail("poll failed: %s", strerror(errno));

        int forward = 0;
        if (count > 0 && (watched[0].revents & POLLIN)) {
            struct signalfd_siginfo info;
            if (read(signal_fd, &info, sizeof info) == (ssize_t)sizeof info && info.ssi_signo != SIGCHLD)
                forward = (int)info.ssi_signo;
        }
        if (parent_fd >= 0 && count > 0 && watched[1].revents != 0) {
            orphaned = 1;
            close(parent_fd);
            parent_fd = -1;
            forward = SIGTERM;
        }
        if (forward != 0) {
            kill(child, forward);
            if (kill_at.tv_sec == 0) {
                clock_gettime(CLOCK_MONOTONIC, &kill_at);
                kill_at.tv_sec += grace_seconds;
            }
        }
    }
}

static void usage(void)
{
    fprintf(stderr,
        "usage: cc-jail run ROOT [options] -- COMMAND [ARG...]\n"
        "       cc-jail enter PID [options] -- COMMAND [ARG...]\n"
        "options: --hostname NAME --workdir DIR --user USER[:GROUP] --env NAME=VALUE\n"
        "         --volume HOST:CONTAINER[:ro] --net-none --keep-caps --grace SECONDS\n"
        "         --pid-file FILE --exit-file FILE --lock-file FILE --error-file FILE\n"
        "         --cgroup DIR --orphan-umount DIR --orphan-remove DIR\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        usage();
    int entering = strcmp(argv[1], "enter") == 0;
    if (!entering && strcmp(argv[1], "run") != 0)
        usage();
    const char *target = argv[2];

    int i = 3;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *option = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(option, "--net-none") == 0) {
            net_none = 1;
            continue;
        }
        if (strcmp(option, "--keep-caps") == 0) {
            keep_caps = 1;
            continue;
        }
        if (value == NULL)
            usage();
        i++;
        if (strcmp(option, "--hostname") == 0)
            hostname_value = value;
        else if (strcmp(option, "--workdir") == 0)
            workdir = value;
        else if (strcmp(option, "--user") == 0)
            user_spec = value;
        else if (strcmp(option, "--env") == 0 && env_count < MAX_LIST)
            env_list[env_count++] = argv[i];
        else if (strcmp(option, "--volume") == 0 && volume_count < MAX_LIST)
            volumes[volume_count++] = argv[i];
        else if (strcmp(option, "--cgroup") == 0 && cgroup_count < MAX_LIST)
            cgroups[cgroup_count++] = argv[i];
        else if (strcmp(option, "--grace") == 0)
            grace_seconds = atoi(value);
        else if (strcmp(option, "--pid-file") == 0)
            pid_file = value;
        else if (strcmp(option, "--lock-file") == 0)
            lock_file = value;
        else if (strcmp(option, "--error-file") == 0)
            error_file = value;
        else if (strcmp(option, "--orphan-umount") == 0)
            orphan_umount = value;
        else if (strcmp(option, "--orphan-remove") == 0)
            orphan_remove = value;
        else if (strcmp(option, "--exit-file") == 0)
            exit_file = value;
        else
            usage();
    }
    if (i + 1 >= argc)
        usage();
    char **command = argv + i + 1;

    /*
     * The lock stays held for the life of this process, so a held lock means "running" even
     * after the engine that started it is gone. The engine's own name lock keeps two of these
     * from waiting on one container, and a reader that probes the lock takes it only briefly.
     */
    if (lock_file != NULL) {
        int lock_fd = open(lock_file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0)
            fail("cannot lock '%s': %s", lock_file, strerror(errno));
    }

    int parent_fd = (int)syscall(SYS_pidfd_open, getppid(), 0);

    /* Joining the cgroups before the clone puts the container's first process in them too. */
    for (int index = 0; index < cgroup_count; index++) {
        char path[PATH_MAX], text[32];
        snprintf(path, sizeof path, "%s/cgroup.procs", cgroups[index]);
        snprintf(text, sizeof text, "%d\n", (int)getpid());
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, text, strlen(text)) < 0)
            fail("cannot join cgroup '%s': %s", cgroups[index], strerror(errno));
        close(fd);
    }

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGCHLD);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGQUIT);
    sigprocmask(SIG_BLOCK, &signals, NULL);

    static char resolved_root[PATH_MAX];
    pid_t container_pid = 0;
    unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
    if (entering) {
        container_pid = (pid_t)atoi(target);
        join_namespaces(container_pid);
        flags = 0;
    } else {
        if (realpath(target, resolved_root) == NULL)
            fail("container root '%s' is missing: %s", target, strerror(errno));
        root_dir = resolved_root;
        if (net_none)
            flags |= CLONE_NEWNET;
    }

    pid_t child = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
    if (child < 0)
        fail("cannot create the container process: %s", strerror(errno));
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        sigprocmask(SIG_UNBLOCK, &signals, NULL);
        if (entering)
            execute(command);
        run_child(command);
    }

    if (pid_file != NULL) {
        char text[64];
        snprintf(text, sizeof text, "%d\n", (int)child);
        write_text(pid_file, text);
    }
    int status = supervise(child, parent_fd);
    if (exit_file != NULL) {
        char text[32];
        snprintf(text, sizeof text, "%d\n", status);
        write_text(exit_file, text);
    }
    if (pid_file != NULL)
        unlink(pid_file);
    return status;
}
