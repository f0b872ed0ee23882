"""Imported by the worker pool's forkserver, and only there (`workers.ordered_map` preloads it):
the forkserver then dies with the run that started it, and its workers with it (each asks for the
same in `workers._orphan_proof`), so a killed run leaves no process holding the ledger."""
import os

from .workers import die_with_parent

SERVER = os.getpid()        # the forkserver: its workers, forked from it, know their parent by this
die_with_parent()
