"""Worker processes: a parent starts a fresh interpreter, hands it one spec, reads its reports.

The one process mechanism of ``fleet run --workers``, ``fleet csms --workers`` and ``fleet
simulate --workers``, in the lowest layer (it imports nothing from fleet).

Parent: ``WorkerProcess.spawn(entry, label)`` starts ``python -c "from module import main;
main()"``; ``send_spec`` pickles the spec to its stdin; ``messages()`` yields what it sends;
``stop`` (SIGTERM), ``kill``, ``wait``; ``describe_exit`` words an exit code for an error. A
synchronous parent that wants one result per child calls ``results_of_children`` (``ChildDied``
when a child exits without one).

Child: its ``main`` calls ``run_child(serve, long_run=...)``, which reads the spec, keeps the real
stdout for ``ParentChannel.send`` (a stray print goes to stderr), and runs ``serve(spec,
channel)`` under trio; ``cancel_when_orphaned`` stops a child whose parent died.
``tune_gc_for_long_runs`` is the collector setting of processes that hold a fleet or a CSMS.

Messages are length-prefixed pickles (``_frames``): both ends are the same program.
"""

from fleet.processes._child import ParentChannel, cancel_when_orphaned, run_child
from fleet.processes._gc import tune_gc_for_long_runs
from fleet.processes._parent import WorkerProcess, describe_exit
from fleet.processes._results import ChildDied, results_of_children

__all__ = [
    "ChildDied",
    "ParentChannel",
    "WorkerProcess",
    "cancel_when_orphaned",
    "describe_exit",
    "results_of_children",
    "run_child",
    "tune_gc_for_long_runs",
]
