"""Command line of the grader: ``python -m grader {release,publish,translations,grade,bench,
bench-class,bench-scale,bench-diagnosis}``."""

from __future__ import annotations

import argparse
import os
import sys

from .intake import IntakeLimits
from .sandbox import Limits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p_release = sub.add_parser("release", help="regenerate course/ from solutions/ and validate")
    p_release.add_argument("assignments", nargs="*", help="default: every assignment")

    p_publish = sub.add_parser("publish", help="write the student edition to a folder")
    p_publish.add_argument("out", help="folder to write: new, empty, an empty clone, or an "
                                       "earlier edition (updated in place, its .git kept)")
    p_publish.add_argument("--repository", required=True,
                           help="OWNER/NAME of the edition's GitHub repository")
    p_publish.add_argument("--ref", default=None,
                           help="the tag the badges and installs point at "
                                "(default: edition-<first 12 digits of this commit>)")
    p_publish.add_argument("--dry-run", action="store_true",
                           help="say what would change and what to run next; write nothing")
    p_publish.add_argument("--from-working-tree", action="store_true",
                           help="publish the files on disk, not the commit's (needs --ref "
                                "when they differ from the commit)")
    p_publish.add_argument("--language", default="en", choices=("en", "es"),
                           help="the edition's language (default en); es needs i18n/es whole")

    p_i18n = sub.add_parser("translations", help="say what each notebook's translation lacks")
    p_i18n.add_argument("--language", default="es")
    p_i18n.add_argument("--update", action="store_true",
                        help="first rewrite i18n/LANGUAGE/*.po for the notebooks as they are")

    p_grade = sub.add_parser("grade", help="autograde a class of submissions")
    p_grade.add_argument("assignment")
    p_grade.add_argument("submissions", help="folder (or .zip) of <student_id>/<assignment>.ipynb")
    p_grade.add_argument("--out", help="report folder (default grader/reports/ASSIGNMENT)")
    p_grade.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p_grade.add_argument("--timeout", type=float, default=600,
                         help="seconds allowed to grade one student (default 600)")
    p_grade.add_argument("--home", default=None,
                         help="folder for the gradebook and per-student folders (default grader/)")
    p_grade.add_argument("--no-sandbox", action="store_true",
                         help="run student code without bubblewrap (not safe; the report says so)")
    p_grade.add_argument("--cell-timeout", type=float, default=Limits.cell_timeout,
                         help=f"seconds one cell may run (default {Limits.cell_timeout:g})")
    p_grade.add_argument("--memory-mb", type=int, default=Limits.memory_mb,
                         help=f"memory of one student's kernel (default {Limits.memory_mb})")
    p_grade.add_argument("--processes", type=int, default=Limits.processes,
                         help=f"processes one kernel may start (default {Limits.processes})")
    p_grade.add_argument("--max-entries", type=int, default=IntakeLimits.entries,
                         help=f"entries a .zip may hold (default {IntakeLimits.entries})")
    p_grade.add_argument("--max-entry-mb", type=int, default=IntakeLimits.entry_mb,
                         help=f"MB one entry may hold (default {IntakeLimits.entry_mb})")
    p_grade.add_argument("--max-archive-mb", type=int, default=IntakeLimits.total_mb,
                         help=f"MB a .zip may unpack to (default {IntakeLimits.total_mb})")
    p_grade.add_argument("--regrade", action="store_true",
                         help="grade every student again, even those whose notebook and "
                              "assignment are unchanged since OUT/graded.jsonl recorded them")
    p_grade.add_argument("--scheduler", metavar="ADDRESS",
                         help="grade on an existing Dask cluster (tls://host:8786); default: "
                              "an embedded cluster of --workers slots on this machine")
    p_grade.add_argument("--scheduler-file", metavar="FILE",
                         help="the scheduler's address from `dask scheduler --scheduler-file`")
    p_grade.add_argument("--tls-ca-file", help="CA certificate of a tls:// cluster")
    p_grade.add_argument("--tls-cert", help="this client's certificate for a tls:// cluster")
    p_grade.add_argument("--tls-key", help="this client's private key for a tls:// cluster")
    p_grade.add_argument("--dashboard", action="store_true",
                         help="serve the embedded cluster's Dask dashboard (localhost, plain HTTP: "
                              "every user of this machine can view it)")

    p_bench = sub.add_parser("bench", help="time running and autograding each notebook")
    p_bench.add_argument("assignments", nargs="*")
    p_bench.add_argument("--load", type=int, default=0, metavar="N",
                         help="keep N other processes busy while measuring (a shared machine)")
    p_bench.add_argument("--run-only", action="store_true", help="skip the autograde column")
    p_class = sub.add_parser("bench-class", help="grade a synthetic class with 1 and N workers: "
                                                 "students per minute, overhead per notebook")
    p_class.add_argument("assignments", nargs="*", help="default: every assignment")
    p_class.add_argument("--students", type=int, default=40)
    p_class.add_argument("--workers", type=int, default=os.cpu_count() or 1)

    p_scale = sub.add_parser("bench-scale", help="a stand-in class through the Dask path: "
                                                 "the coordinator's overhead and memory")
    p_scale.add_argument("--students", type=int, default=10_000)
    p_scale.add_argument("--workers", type=int, default=2)

    p_diag = sub.add_parser("bench-diagnosis", help="grade students carrying every catalogued "
                                                    "mistake: the share the pages name")
    p_diag.add_argument("assignments", nargs="*", help="default: every assignment")
    p_diag.add_argument("--workers", type=int, default=2)

    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.command == "release":
        from .release import ReleaseError, release

        try:
            for path in release(args.assignments or None):
                print(f"released and validated {path}")
        except ReleaseError as error:
            print(f"release failed:\n{error}", file=sys.stderr)
            return 1
        return 0
    if args.command == "publish":
        from .publish import command

        return command(args.out, args.repository, args.ref, dry_run=args.dry_run,
                       from_working_tree=args.from_working_tree, language=args.language)
    if args.command == "translations":
        from .i18n import main as translations

        return translations(args.language, args.update)
    if args.command == "grade":
        from .course import GRADER_DIR
        from .grade import ClusterOptions, SandboxUnavailable, SchedulerLost, grade_class

        limits = Limits(memory_mb=args.memory_mb, processes=args.processes,
                        cell_timeout=args.cell_timeout,
                        cpu_seconds=int(max(args.timeout, args.cell_timeout) * 2))
        cluster = ClusterOptions(workers=args.workers, scheduler=args.scheduler,
                                 scheduler_file=args.scheduler_file,
                                 tls_ca_file=args.tls_ca_file, tls_cert=args.tls_cert,
                                 tls_key=args.tls_key, dashboard=args.dashboard)
        again = ("run the same command again to grade the rest (finished students are "
                 "skipped)")
        try:
            report = grade_class(args.assignment, args.submissions, out=args.out,
                                 workers=args.workers, timeout=args.timeout,
                                 home=args.home or GRADER_DIR, sandbox=not args.no_sandbox,
                                 limits=limits, progress=True, intake=IntakeLimits(
                                     args.max_entries, args.max_entry_mb, args.max_archive_mb),
                                 cluster=cluster, regrade=args.regrade)
        except SandboxUnavailable as error:
            print(error.code, file=sys.stderr)
            return 2
        except SchedulerLost as error:
            print(f"\nstopped: {error}; every finished student's row is in grades.csv; "
                  f"{again}", file=sys.stderr)
            return 3
        except KeyboardInterrupt:
            print("\ninterrupted: every worker, checker and kernel was stopped; every "
                  f"finished student's row is in grades.csv; {again}", file=sys.stderr)
            return 130
        print(report.summary())
        return 0
    if args.command == "bench-scale":
        from .bench import bench_scale

        return bench_scale(args.students, args.workers)
    if args.command == "bench-diagnosis":
        from .bench import bench_diagnosis

        return bench_diagnosis(args.assignments or None, args.workers)
    if args.command == "bench-class":
        from .bench import bench_class

        return bench_class(args.assignments or None, args.students, args.workers)
    from .bench import bench

    return bench(args.assignments or None, load=args.load, run_only=args.run_only)


if __name__ == "__main__":
    sys.exit(main())
