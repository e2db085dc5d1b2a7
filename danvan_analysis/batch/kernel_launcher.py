"""``python -m danvan_analysis.batch.kernel_launcher -f <connection file>``: a batch report kernel.

ipykernel's own launcher (``ipykernel_launcher``), with one difference: the kernel does not load debugpy, the
debugger behind JupyterLab's debugging panel. ipykernel imports it at start-up whenever it is installed (~70 ms of
CPU per kernel, ``PYTHONPROFILEIMPORTTIME``), and no one attaches a debugger to a batch's kernel: it has no
front end. ``sys.modules["debugpy"] = None`` makes its import raise ImportError, which ipykernel expects (it is how it
finds debugpy absent) and answers by disabling the debugger; everything else is the stock kernel. The kernels of
JupyterLab and of plain papermill keep the debugger: only the batch's kernel manager starts kernels this way
(``BatchKernelManager`` in :mod:`danvan_analysis.batch.kernel`), and only for ipykernel's own kernel spec. A
worker's kernel fork server (:mod:`~danvan_analysis.batch.forkserver`) begins with the same :func:`prepare_process`.
"""

from __future__ import annotations

import sys
from pathlib import Path


def prepare_process() -> None:
    """What this launcher does before ipykernel loads: the working folder off ``sys.path`` (as ipykernel_launcher;
    its app puts it back), debugpy marked absent."""
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    from danvan_analysis.process import mark_absent

    mark_absent(("debugpy",), unless_imported=("debugpy",))


if __name__ == "__main__":
    prepare_process()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
