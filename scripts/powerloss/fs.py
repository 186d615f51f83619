#!/usr/bin/env python3
"""A FUSE filesystem for power-loss tests (in the spirit of Jepsen's LazyFS).

    fs.py BACKING MOUNTPOINT CONTROL_SOCKET     mounts (foreground; returns when unmounted)
    fs.py ctl CONTROL_SOCKET sync|cut|stats      talks to a mounted one

The files live in memory while mounted. BACKING is "the platter": what the disk holds durably.
At mount the tree is read from BACKING; a clean unmount (fusermount -u without a cut) writes the
whole tree back, like a clean shutdown. The model of the disk (docs/testing.md, "Power loss"):

- A file's contents and mode become durable only when the file is fsync'd or fdatasync'd (both
  flush data, size and mode; there is no partial or torn flush: everything written to the file
  before the sync is kept, whatever was written after it is not).
- A directory's entries (names created, renamed, linked, removed in it) become durable only when
  that directory is fsync'd. Syncing a file does NOT make its name durable, and syncing a folder
  does not make the folders above it durable: a folder created with mkdir is lost unless its
  parent is synced. A rename across two folders needs both synced. This is the strictest model
  POSIX allows (ext4 with data=ordered and journalling file systems usually keep more).
- A name the durable folder holds for a file whose data was never synced comes back as an empty
  file (what ext4 does to a file created and renamed without fsync).
- `cut` (the power cut) drops everything that is not durable: BACKING is rewritten from the
  durable image, every later operation fails with EIO, and the driver unmounts. `sync` makes
  everything durable (the driver's `sync` after setting up a data directory, as syncfs would).

Single host, single mount: POSIX locks are left to the kernel (no lock operation), mmap works
through the kernel's page cache (writes reach this process as ordinary writes).
"""
import errno
import os
import socket
import stat
import shutil
import sys
import threading
import time

CONTROL_TIMEOUT = 60
# POWERLOSS_LYING_DISK=1: fsync and fdatasync succeed and keep nothing (a disk whose cache lies).
# The negative control of the test: with it, the driver must report acknowledged messages missing.
LYING_DISK = os.environ.get("POWERLOSS_LYING_DISK") == "1"
# POWERLOSS_PARTIAL=1: a cut keeps, of each file's writes since its last sync, a random prefix (in
# the order they were made: the first k writes and truncations, k from 0 to all), instead of none.
PARTIAL = os.environ.get("POWERLOSS_PARTIAL") == "1"


class Node:
    __slots__ = ("kind", "mode", "uid", "gid", "data", "entries", "target", "atime", "mtime", "ctime",
                 "ddata", "dmode", "dentries", "nlink", "log")

    def __init__(self, kind, mode, uid=0, gid=0):
        now = time.time()
        self.kind = kind            # stat.S_IFREG, S_IFDIR or S_IFLNK
        self.mode = mode & 0o7777
        self.uid, self.gid = uid, gid
        self.data = bytearray()     # file contents (volatile)
        self.entries = {}           # folder entries, name -> Node (volatile)
        self.target = ""            # symbolic link target (durable with the node)
        self.atime = self.mtime = self.ctime = now
        self.ddata = b""            # durable contents: empty until synced
        self.dmode = self.mode
        self.dentries = {}          # durable entries: none until the folder is synced
        self.nlink = 0
        self.log = []               # PARTIAL: writes and truncations since the last sync, in order


class PowerLossFS:
    use_ns = False

    def __init__(self, backing):
        self.backing = os.path.abspath(backing)
        self.lock = threading.RLock()
        self.files = {}
        self.next_fh = 1
        self.dead = False
        self.counts = {"fsync": 0, "fsyncdir": 0, "write": 0}
        self.root = self._load(self.backing, {})
        self.root.dentries = dict(self.root.entries)
        self.root.nlink = 2

    # ----- the platter

    def _load(self, path, inodes):
        st = os.lstat(path)
        if stat.S_ISDIR(st.st_mode):
            node = Node(stat.S_IFDIR, st.st_mode, st.st_uid, st.st_gid)
            for name in sorted(os.listdir(path)):
                child = self._load(os.path.join(path, name), inodes)
                node.entries[name] = child
                child.nlink += 1
            node.dentries = dict(node.entries)
        elif stat.S_ISLNK(st.st_mode):
            node = Node(stat.S_IFLNK, 0o777, st.st_uid, st.st_gid)
            node.target = os.readlink(path)
        else:
            if st.st_ino in inodes:
                return inodes[st.st_ino]
            node = Node(stat.S_IFREG, st.st_mode, st.st_uid, st.st_gid)
            with open(path, "rb") as f:
                node.data = bytearray(f.read())
            node.ddata = bytes(node.data)
            inodes[st.st_ino] = node
        node.dmode = node.mode
        node.atime, node.mtime, node.ctime = st.st_atime, st.st_mtime, st.st_ctime
        return node

    def _store(self, durable):
        """Writes the durable image (or, on a clean unmount, the whole tree) to BACKING."""
        fresh = self.backing + ".new"
        shutil.rmtree(fresh, ignore_errors=True)
        written = {}
        seen_dirs = set()

        def store(node, path):
            mode = node.dmode if durable else node.mode
            if node.kind == stat.S_IFDIR:
                os.mkdir(path)
                if id(node) not in seen_dirs:   # a folder reachable twice only through stale durable entries
                    seen_dirs.add(id(node))
                    for name, child in (node.dentries if durable else node.entries).items():
                        store(child, os.path.join(path, name))
                os.chmod(path, mode)
            elif node.kind == stat.S_IFLNK:
                os.symlink(node.target, path)
            elif id(node) in written:
                os.link(written[id(node)], path)
            else:
                with open(path, "wb") as f:
                    f.write(self._survivor(node) if durable else node.data)
                os.chmod(path, mode)
                written[id(node)] = path

        store(self.root, fresh)
        shutil.rmtree(self.backing)
        os.rename(fresh, self.backing)

    def _survivor(self, node):
        """What a cut leaves of a file: its synced contents, and with PARTIAL a random prefix of
        the writes made since."""
        if not PARTIAL or not node.log:
            return node.ddata
        import random
        data = bytearray(node.ddata)
        for op in node.log[:random.randint(0, len(node.log))]:
            if op[0] == "w":
                _, offset, chunk = op
                if len(data) < offset:
                    data.extend(b"\0" * (offset - len(data)))
                data[offset:offset + len(chunk)] = chunk
            elif op[1] < len(data):
                del data[op[1]:]
            else:
                data.extend(b"\0" * (op[1] - len(data)))
        return bytes(data)

    # ----- control (from a thread of its own, over a UNIX socket)

    def control(self, command):
        with self.lock:
            if command == "cut":
                if not self.dead:
                    self.dead = True
                    self._store(durable=True)
                return "ok"
            if command == "sync":
                def sync(node, seen):
                    if id(node) in seen:
                        return
                    seen.add(id(node))
                    node.dmode = node.mode
                    if node.kind == stat.S_IFREG:
                        node.ddata = bytes(node.data)
                        node.log = []
                    elif node.kind == stat.S_IFDIR:
                        node.dentries = dict(node.entries)
                        for child in node.entries.values():
                            sync(child, seen)
                sync(self.root, set())
                return "ok"
            if command == "stats":
                return " ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
            return "unknown command"

    def finish(self):
        """A clean unmount keeps everything (unless the power was cut)."""
        with self.lock:
            if not self.dead:
                self._store(durable=False)
                self.dead = True

    # ----- helpers

    def _resolve(self, path):
        node = self.root
        for part in path.split("/"):
            if not part:
                continue
            if node.kind != stat.S_IFDIR:
                raise OSError(errno.ENOTDIR, path)
            node = node.entries.get(part)
            if node is None:
                raise OSError(errno.ENOENT, path)
        return node

    def _parent(self, path):
        head, name = os.path.split(path.rstrip("/"))
        parent = self._resolve(head or "/")
        if parent.kind != stat.S_IFDIR:
            raise OSError(errno.ENOTDIR, path)
        return parent, name

    def _node(self, path, fh):
        if fh:
            node = self.files.get(fh)
            if node is not None:
                return node
        return self._resolve(path)

    def _new(self, kind, mode):
        from fuse import fuse_get_context
        uid, gid, _ = fuse_get_context()
        return Node(kind, mode, uid, gid)

    # ----- operations (each under the lock; EIO once the power is cut)

    def __call__(self, op, *args):
        with self.lock:
            if self.dead:
                raise OSError(errno.EIO, "the power was cut")
            method = getattr(self, "op_" + op, None)
            if method is None:
                raise OSError(errno.ENOSYS, op)
            return method(*args)

    def op_init(self, path):
        return 0

    def op_destroy(self, path):
        return 0

    def op_statfs(self, path):
        st = os.statvfs(self.backing)
        return {k: getattr(st, k) for k in ("f_bsize", "f_frsize", "f_blocks", "f_bfree", "f_bavail",
                                            "f_files", "f_ffree", "f_favail", "f_flag", "f_namemax")}

    def op_access(self, path, amode):
        self._resolve(path)
        return 0

    def op_getattr(self, path, fh=None):
        node = self._node(path, fh)
        size = len(node.data) if node.kind == stat.S_IFREG else (len(node.target) if node.kind == stat.S_IFLNK else 4096)
        nlink = node.nlink if node.kind != stat.S_IFDIR else 2 + sum(1 for c in node.entries.values() if c.kind == stat.S_IFDIR)
        return {"st_mode": node.kind | node.mode, "st_nlink": max(nlink, 1), "st_size": size, "st_uid": node.uid,
                "st_gid": node.gid, "st_atime": node.atime, "st_mtime": node.mtime, "st_ctime": node.ctime,
                "st_blocks": (size + 511) // 512, "st_blksize": 4096}

    def op_readdir(self, path, fh):
        node = self._resolve(path)
        if node.kind != stat.S_IFDIR:
            raise OSError(errno.ENOTDIR, path)
        return [".", ".."] + list(node.entries)

    def op_opendir(self, path):
        if self._resolve(path).kind != stat.S_IFDIR:
            raise OSError(errno.ENOTDIR, path)
        return 0

    def op_releasedir(self, path, fh):
        return 0

    def op_mkdir(self, path, mode):
        parent, name = self._parent(path)
        if name in parent.entries:
            raise OSError(errno.EEXIST, path)
        node = self._new(stat.S_IFDIR, mode)
        node.nlink = 1
        parent.entries[name] = node
        parent.mtime = parent.ctime = time.time()
        return 0

    def op_rmdir(self, path):
        parent, name = self._parent(path)
        node = parent.entries.get(name)
        if node is None:
            raise OSError(errno.ENOENT, path)
        if node.kind != stat.S_IFDIR:
            raise OSError(errno.ENOTDIR, path)
        if node.entries:
            raise OSError(errno.ENOTEMPTY, path)
        del parent.entries[name]
        parent.mtime = parent.ctime = time.time()
        return 0

    def _open_fh(self, node):
        fh = self.next_fh
        self.next_fh += 1
        self.files[fh] = node
        return fh

    def op_create(self, path, mode, fi=None):
        parent, name = self._parent(path)
        node = parent.entries.get(name)
        if node is None:
            node = self._new(stat.S_IFREG, mode)
            node.nlink = 1
            parent.entries[name] = node
            parent.mtime = parent.ctime = time.time()
        return self._open_fh(node)

    def op_open(self, path, flags):
        node = self._resolve(path)
        if flags & os.O_TRUNC and node.kind == stat.S_IFREG:
            del node.data[:]
            if PARTIAL:
                node.log.append(("t", 0))
        return self._open_fh(node)

    def op_read(self, path, size, offset, fh):
        node = self._node(path, fh)
        return bytes(node.data[offset:offset + size])

    def op_write(self, path, data, offset, fh):
        node = self._node(path, fh)
        end = offset + len(data)
        if len(node.data) < offset:
            node.data.extend(b"\0" * (offset - len(node.data)))
        node.data[offset:end] = data
        if PARTIAL:
            node.log.append(("w", offset, bytes(data)))
        node.mtime = node.ctime = time.time()
        self.counts["write"] += 1
        return len(data)

    def op_truncate(self, path, length, fh=None):
        node = self._node(path, fh)
        if length < len(node.data):
            del node.data[length:]
        else:
            node.data.extend(b"\0" * (length - len(node.data)))
        if PARTIAL:
            node.log.append(("t", length))
        node.mtime = node.ctime = time.time()
        return 0

    def op_flush(self, path, fh):
        return 0

    def op_release(self, path, fh):
        self.files.pop(fh, None)
        return 0

    def op_fsync(self, path, datasync, fh):
        node = self._node(path, fh)
        if LYING_DISK:
            return 0
        node.ddata = bytes(node.data)
        node.log = []
        node.dmode = node.mode
        self.counts["fsync"] += 1
        return 0

    def op_fsyncdir(self, path, datasync, fh):
        node = self._resolve(path)
        if LYING_DISK:
            return 0
        node.dentries = dict(node.entries)
        node.dmode = node.mode
        self.counts["fsyncdir"] += 1
        return 0

    def op_unlink(self, path):
        parent, name = self._parent(path)
        node = parent.entries.get(name)
        if node is None:
            raise OSError(errno.ENOENT, path)
        if node.kind == stat.S_IFDIR:
            raise OSError(errno.EISDIR, path)
        del parent.entries[name]
        node.nlink -= 1
        parent.mtime = parent.ctime = time.time()
        return 0

    def op_rename(self, old, new):
        old_parent, old_name = self._parent(old)
        node = old_parent.entries.get(old_name)
        if node is None:
            raise OSError(errno.ENOENT, old)
        new_parent, new_name = self._parent(new)
        existing = new_parent.entries.get(new_name)
        if existing is node:
            return 0
        if existing is not None:
            if existing.kind == stat.S_IFDIR:
                if node.kind != stat.S_IFDIR:
                    raise OSError(errno.EISDIR, new)
                if existing.entries:
                    raise OSError(errno.ENOTEMPTY, new)
            elif node.kind == stat.S_IFDIR:
                raise OSError(errno.ENOTDIR, new)
            existing.nlink -= 1
        if node.kind == stat.S_IFDIR:   # not into itself
            probe = new_parent
            stack = [node]
            while stack:
                current = stack.pop()
                if current is probe:
                    raise OSError(errno.EINVAL, new)
                stack.extend(c for c in current.entries.values() if c.kind == stat.S_IFDIR)
        del old_parent.entries[old_name]
        new_parent.entries[new_name] = node
        now = time.time()
        old_parent.mtime = old_parent.ctime = new_parent.mtime = new_parent.ctime = node.ctime = now
        return 0

    def op_link(self, target, source):
        node = self._resolve(source)
        if node.kind == stat.S_IFDIR:
            raise OSError(errno.EPERM, source)
        parent, name = self._parent(target)
        if name in parent.entries:
            raise OSError(errno.EEXIST, target)
        parent.entries[name] = node
        node.nlink += 1
        node.ctime = parent.mtime = parent.ctime = time.time()
        return 0

    def op_symlink(self, target, source):
        parent, name = self._parent(target)
        if name in parent.entries:
            raise OSError(errno.EEXIST, target)
        node = self._new(stat.S_IFLNK, 0o777)
        node.target = source
        node.nlink = 1
        parent.entries[name] = node
        return 0

    def op_readlink(self, path):
        node = self._resolve(path)
        if node.kind != stat.S_IFLNK:
            raise OSError(errno.EINVAL, path)
        return node.target

    def op_chmod(self, path, mode):
        node = self._resolve(path)
        node.mode = mode & 0o7777
        node.ctime = time.time()
        return 0

    def op_chown(self, path, uid, gid):
        node = self._resolve(path)
        if uid != -1:
            node.uid = uid
        if gid != -1:
            node.gid = gid
        return 0

    def op_utimens(self, path, times=None):
        node = self._resolve(path)
        node.atime, node.mtime = times or (time.time(), time.time())
        return 0

    def op_getxattr(self, path, name, position=0):
        raise OSError(errno.ENODATA, name)

    def op_listxattr(self, path):
        return []


def serve_control(fs, path):
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.chmod(path, 0o600)
    server.listen(4)

    def loop():
        while True:
            connection, _ = server.accept()
            with connection:
                command = connection.recv(64).decode().strip()
                try:
                    reply = fs.control(command)
                except Exception as error:   # reported to the driver, which fails the round
                    reply = f"error: {error}"
                connection.sendall((reply + "\n").encode())

    threading.Thread(target=loop, daemon=True).start()


def ctl(path, command):
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(CONTROL_TIMEOUT)
    client.connect(path)
    client.sendall((command + "\n").encode())
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = client.recv(4096)
        if not chunk:
            break
        reply += chunk
    text = reply.decode().strip()
    print(text)
    return 0 if text and not text.startswith(("error", "unknown")) else 1


def main(argv):
    if len(argv) == 3 and argv[0] == "ctl":
        return ctl(argv[1], argv[2])
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    from fuse import FUSE, Operations  # fusepy (PyPI), over Debian's libfuse2

    backing, mountpoint, control = argv
    fs = PowerLossFS(backing)

    class Ops(Operations):
        use_ns = False

        def __call__(self, op, *args):
            return fs(op, *args)

    serve_control(fs, control)
    # hard_remove: no .fuse_hidden files for removed open files (open handles keep their node).
    # Kernel attribute/entry caches stay short; nothing else writes to BACKING while mounted.
    FUSE(Ops(), mountpoint, foreground=True, nothreads=False, hard_remove=True, fsname="powerloss",
         attr_timeout=0, entry_timeout=0)
    fs.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
