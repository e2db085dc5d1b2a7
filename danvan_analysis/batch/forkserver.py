"""A fork server for a worker's report kernels: the imports are paid once, every kernel starts as a fork.

Why: each report kernel used to import ipykernel and then, in its warm-up, the reports' modules (pandas,
matplotlib, the package): ~1.2 s of CPU per kernel, measured in a kernel with ``time.process_time`` (0.25-0.32 s
at ipykernel's first answer, 0.92-1.10 s more for the warm-up), while both cores are busy until the reports start
(the command computes the batch's shared step meanwhile). A worker's second kernel paid all of it again.

How:

- :func:`enable` (called in a local pool's worker process, :func:`~danvan_analysis.batch.pool._drive`) records the
  warm-up; nothing else in any process changes. The batch's kernel manager
  (:func:`~danvan_analysis.batch.kernel._batch_manager_class`) asks :func:`spawn` for every kernel it would start
  with the batch launcher (:mod:`~danvan_analysis.batch.kernel_launcher`); :func:`spawn` answers ``None`` whenever
  the stock start must be used instead (not enabled, another kernel command, no ``fork``/``pidfd``, a server that
  failed), and the manager then starts the kernel as before.
- The server (``python -m danvan_analysis.batch.forkserver <fd>``, started on the first :func:`spawn`) begins as the
  batch launcher does (the working folder off ``sys.path``, no debugpy), sets matplotlib's backend variable as
  ipykernel would, imports ipykernel's application and the modules the warm-up's ``import`` statements name
  (nothing else of the warm-up: the kernel's warm-up still runs in full, finding them imported), freezes
  them out of the cycle collector, and waits.
- For each kernel the worker sends the kernel's arguments, folder and environment, and its stdout and stderr file
  descriptors (``SCM_RIGHTS``). The server forks; the child becomes the kernel as ``python -m
  danvan_analysis.batch.kernel_launcher`` would have: a new session (as jupyter_client starts kernels), the
  given stdio, folder, environment and ``sys.argv``, then ipykernel's ``launch_new_instance``. It watches the
  server as its parent (ipykernel's parent poller), and the server ends when the worker closes its socket, so
  kernels never outlive their worker. The server answers with the kernel's pid and a pidfd.
- The worker holds a kernel as :class:`ForkedProcess`: ``subprocess.Popen``'s interface (``poll``, ``wait``,
  ``send_signal``, ``kill``, ``terminate``) over the pidfd, which is what jupyter_client's local provisioner uses.

What a kernel started this way runs is the stock kernel: the same application, arguments, environment and warm-up.
The difference is only what was imported before its first line ran. The batch's byte-for-byte test against plain
papermill and the kernel reset's fingerprint test prove the pages and the state are the same.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from typing import Any

#: The module that runs the batch's kernels (the manager's command); only its kernels are forked.
BATCH_LAUNCHER = "danvan_analysis.batch.kernel_launcher"
#: Largest message between the worker and the server (a kernel's environment is the largest part).
_MESSAGE_LIMIT = 1 << 20

_lock = threading.Lock()
_warmup: str | None = None
_server: ForkServer | None = None
_failed = False


class ForkServerError(RuntimeError):
    """The server could not start a kernel (its kernel then starts the stock way)."""


def supported() -> bool:
    """Whether this system can fork kernels and hold them by pidfd (Linux 5.3+ with Python 3.9+)."""
    return hasattr(os, "fork") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")


def enable(warmup: str) -> None:
    """Fork this process's batch kernels from one server that imported what ``warmup`` imports."""
    global _warmup
    with _lock:
        _warmup = warmup


def spawn(cmd: list[str], **kwargs: Any) -> ForkedProcess | None:
    """Start the kernel ``cmd`` (with jupyter_client's launch arguments) as a fork of this process's server.

    Returns ``None`` when the kernel must be started the stock way: forking not enabled in this process, a command
    other than the batch launcher in this interpreter, stdio the server cannot hand over (pipes), an unsupported
    system, or a server that failed (once failed, never retried in this process).
    """
    global _server, _failed
    arguments = _launcher_arguments(cmd)
    if arguments is None or _warmup is None or _failed or not supported():
        return None
    fds = _stdio_fds(kwargs.get("stdout"), kwargs.get("stderr"))
    if fds is None:
        return None
    with _lock:
        try:
            if _server is None:
                _server = ForkServer(_warmup)
            env = dict(kwargs["env"] if kwargs.get("env") is not None else os.environ)
            if not kwargs.get("independent"):  # as jupyter_client's launch_kernel: the process that manages it
                env["JPY_PARENT_PID"] = str(os.getpid())
            cwd = kwargs.get("cwd")
            return _server.spawn(arguments, cwd=str(cwd) if cwd else None, env=env, fds=fds)
        except (OSError, ForkServerError, ValueError):
            _failed = True
            if _server is not None:
                _server.close()
            _server = None
            return None


def stop() -> None:
    """Stop this process's server, once its kernels are stopped (a worker's last step)."""
    global _server
    with _lock:
        if _server is not None:
            _server.close()
            _server = None


def _launcher_arguments(cmd: list[str]) -> list[str] | None:
    """The kernel's own arguments when ``cmd`` runs the batch launcher in this interpreter, else ``None``."""
    if len(cmd) >= 3 and cmd[0] == sys.executable and cmd[1:3] == ["-m", BATCH_LAUNCHER]:
        return list(cmd[3:])
    return None


def _stdio_fds(stdout: Any, stderr: Any) -> tuple[int, int] | None:
    """The descriptors to hand the kernel as its stdout and stderr (``None``: inherited, as subprocess does;
    ``subprocess.DEVNULL``: the null device), or ``None`` for what cannot be handed over (a pipe)."""
    found = []
    for stream, inherited in ((stdout, 1), (stderr, 2)):
        if stream is None:
            found.append(inherited)
        elif stream == subprocess.DEVNULL:
            found.append(-1)
        elif isinstance(stream, int) and stream >= 0:
            found.append(stream)
        elif hasattr(stream, "fileno"):
            found.append(stream.fileno())
        else:
            return None
    return found[0], found[1]


class ForkServer:
    """The worker's end of a fork server (see the module docstring)."""

    def __init__(self, warmup: str, *, command: list[str] | None = None, timeout: float = 120.0) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._socket = ours
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  # lives as long as the server: quoted when it fails
        try:
            self.process = subprocess.Popen(  # this interpreter, this package's module
                [*(command or [sys.executable, "-m", __name__]), str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
            )
        finally:
            theirs.close()
        ours.settimeout(timeout)
        ours.send(json.dumps({"warmup": warmup}).encode())

    def spawn(
        self, arguments: list[str], *, cwd: str | None, env: dict[str, str], fds: tuple[int, int]
    ) -> ForkedProcess:
        """Fork a kernel with ``arguments``, in ``cwd``, with ``env`` and stdout/stderr ``fds`` (-1: the null device)."""
        handed = [fd for fd in fds if fd >= 0]
        request = {"arguments": arguments, "cwd": cwd, "env": env, "fds": [fd >= 0 for fd in fds]}
        try:
            socket.send_fds(self._socket, [json.dumps(request).encode()], handed)
            message, received, _, _ = socket.recv_fds(self._socket, _MESSAGE_LIMIT, 1)
        except OSError as error:
            raise ForkServerError(f"the kernel fork server did not answer: {error}{self._tail()}") from error
        if not message:
            raise ForkServerError(f"the kernel fork server stopped{self._tail()}")
        reply = json.loads(message)
        if "error" in reply or not received:
            for fd in received:
                os.close(fd)
            raise ForkServerError(f"the kernel fork server could not start a kernel: {reply.get('error')}")
        return ForkedProcess(int(reply["pid"]), received[0])

    def _tail(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self._stderr.seek(0)
            text = self._stderr.read().decode("utf-8", "replace")[-2000:]
            return f"\n{text}" if text else ""
        return ""

    def close(self, timeout: float = 5.0) -> None:
        """Stop the server: it ends once its socket closes (killed after ``timeout`` seconds). Kernels still running
        notice their parent gone and end, as kernels whose worker died."""
        with contextlib.suppress(OSError):
            self._socket.close()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr.close()


class ForkedProcess:
    """A kernel forked by the server, held through a pidfd with ``subprocess.Popen``'s interface.

    The kernel is the server's child, not this process's: its exit status cannot be collected here.
    :attr:`returncode` is ``-N`` after this process sent it signal ``N`` and it ended, else ``0`` once it ended.
    The pidfd names this very process, so a signal never reaches another process that reused its pid.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid = pid
        self.args = [f"<kernel forked by the batch's fork server, pid {pid}>"]
        self._pidfd: int | None = pidfd
        self._signal: int | None = None
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and self._pidfd is not None and select.select([self._pidfd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None and self._pidfd is not None:
            if not select.select([self._pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            self._ended()
        return self.returncode if self.returncode is not None else 0

    def send_signal(self, signum: int) -> None:
        if self.poll() is None and self._pidfd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, signum)
                self._signal = signum

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _ended(self) -> None:
        self.returncode = -self._signal if self._signal else 0
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def __del__(self) -> None:
        if self._pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self._pidfd)


# -- the server process -----------------------------------------------------------------------------------------


def _serve(channel: socket.socket) -> None:
    """The server's main: import, then fork a kernel per request until the worker closes the socket."""
    import gc

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the worker's to handle; the socket's end stops us
    gc.disable()
    warmup = json.loads(channel.recv(_MESSAGE_LIMIT) or b'{"warmup": ""}')["warmup"]
    _import_as_kernel(warmup)
    gc.enable()
    gc.collect()
    gc.freeze()  # the kernels' collections never walk (nor copy, writing their headers) the shared imports
    # Each kernel is reaped as it ends: no zombie, and its CPU time counts among the worker's children's once the
    # worker reaps this server (as a kernel the worker started itself).
    signal.signal(signal.SIGCHLD, _reap)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(channel, _MESSAGE_LIMIT, 2)
        except OSError:
            message, fds = b"", []
        if not message:  # the worker closed its end (or ended); its kernels end as they see this server gone
            _reap()
            return
        request = json.loads(message)
        try:
            pid = os.fork()
        except OSError as error:
            _close(fds)
            channel.send(json.dumps({"error": f"fork: {error}"}).encode())
            continue
        if pid == 0:
            _become_kernel(channel, request, fds)  # never returns
        _close(fds)
        try:
            pidfd = os.pidfd_open(pid)
        except OSError as error:  # it ended at once
            channel.send(json.dumps({"error": f"the kernel ended at once ({error})"}).encode())
            continue
        socket.send_fds(channel, [json.dumps({"pid": pid}).encode()], [pidfd])
        os.close(pidfd)


def _reap(*_: Any) -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _import_as_kernel(warmup: str) -> None:
    """What a batch kernel imports before its first report: ipykernel's application, then the modules that the
    warm-up's ``import`` statements name (:func:`warmup_modules`; nothing else of the warm-up runs here)."""
    from danvan_analysis.batch.kernel_launcher import prepare_process

    prepare_process()  # as the batch launcher: the working folder off sys.path, debugpy absent
    # ipykernel sets this before any user code (IPKernelApp.init_gui_pylab); matplotlib reads it at import.
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    import importlib

    from ipykernel import kernelapp  # noqa: F401

    for name in warmup_modules(warmup):
        with contextlib.suppress(Exception):  # a failing import fails the kernel's warm-up, which says why
            importlib.import_module(name)


def warmup_modules(warmup: str) -> list[str]:
    """The modules the ``import`` statements of ``warmup`` (IPython syntax) may import, in order: each imported
    module, and for ``from a import b`` also ``a.b``, which is a submodule or else fails to import (and is skipped)."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(warmup))
    except SyntaxError:  # the kernel's warm-up reports it
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")]
    return list(dict.fromkeys(names))


def _become_kernel(channel: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: become the kernel ``python -m danvan_analysis.batch.kernel_launcher`` would start."""
    code = 1
    try:
        channel.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if "numpy" in sys.modules:  # as a fresh import seeds it (os.fork reseeds the random module itself)
            sys.modules["numpy"].random.seed()
        os.setsid()  # as jupyter_client starts kernels (start_new_session): interrupts reach its group only
        handed = iter(fds)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        for target, given in zip((1, 2), request["fds"], strict=True):
            os.dup2(next(handed) if given else null, target)
        _close([null, *fds])
        if request["cwd"]:
            os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # ipykernel ends a kernel when its parent changes (the parent it is told, else the one in JPY_PARENT_PID,
        # which stays the worker's as jupyter_client set it): a forked kernel's parent is this server, which ends
        # when the worker does.
        sys.argv = [_launcher_path(), *request["arguments"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _launcher_path() -> str:
    from danvan_analysis.batch import kernel_launcher

    return str(kernel_launcher.__file__)


def _close(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


if __name__ == "__main__":
    _serve(socket.socket(fileno=int(sys.argv[1])))
