"""Where the students of a batch are graded: here, some at a time, or on a Dask cluster.

A job is ``function(*arguments)``, self-contained (``rnnlab.grade.grade_job``: a student's notebooks
in, scores, feedback and autograded notebooks out), so a worker needs no disk shared with the
grader, only the course's environment. Both runners yield ``(arguments, result)`` as jobs finish,
with the exception as the result of a job that failed; a failure never stops the others.

- ``run_here(function, jobs, workers)``: ``workers`` jobs at a time in this process's threads (a job
  spends its time in processes of its own: nbgrader and the kernels).
- ``run_on_dask(function, jobs, scheduler, workers)``: on the Dask cluster whose scheduler is at
  ``scheduler`` (``tcp://host:8786``, started by ``dask scheduler``, dask-jobqueue, Dask Gateway...),
  or on a local cluster of ``workers`` worker processes when ``scheduler`` is ``"local"``. A worker
  that dies takes no job with it: the scheduler runs its jobs again elsewhere (a job that kills
  three workers fails).
"""

import concurrent.futures
import sys
import time


def run_here(function, jobs, workers):
    """Run ``function(*job)`` for every job, ``workers`` at a time; yield ``(job, result)``."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(function, *job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            yield futures[future], _result(future)


def run_on_dask(function, jobs, scheduler, workers):
    """Run ``function(*job)`` for every job on a Dask cluster; yield ``(job, result)``."""
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = (LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                            dashboard_address=None) if scheduler == "local" else None)
    try:
        with Client(cluster or scheduler) as client:
            futures = {client.submit(function, *job, pure=False): job for job in jobs}
            for future in as_completed(futures):
                yield futures[future], _result(future)
    finally:
        if cluster is not None:
            cluster.close()


def _result(future):
    """A finished future's result, or the exception it raised."""
    try:
        return future.result()
    except Exception as error:  # the job failed (or its worker kept dying): report it, go on
        return error


class Progress:
    """A progress bar of students graded, failures so far and the time left (tqdm, on stderr)."""

    def __init__(self, total, shown=True):
        from tqdm import tqdm

        self.failures, self.started = 0, time.perf_counter()
        self.bar = tqdm(total=total, unit="student", desc="grading", file=sys.stderr, disable=not shown,
                        dynamic_ncols=True)
        self.bar.set_postfix(failures=0)

    def done(self, failed):
        """One more student graded; ``failed`` when something could not be graded."""
        self.failures += bool(failed)
        self.bar.set_postfix(failures=self.failures)
        self.bar.update(1)

    def close(self):
        self.bar.close()
        return time.perf_counter() - self.started
