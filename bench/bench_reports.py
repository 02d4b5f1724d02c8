"""PDF reports at scale, each generated in a child process so that its peak memory (maxrss) is
the generation's own:

(a) the consultation report of 10,000 ballots x 8 questions (2 free text, 10,000 published
    answers, so the appendix is a document of its own): end-to-end seconds (request → done,
    PDF + appendix + CSV written) and peak memory, against 10 s and 500 MB;
(b) the appendix alone with those 10,000 answers: seconds, pages and pages per second (goal 30 s);
(c) the street issues report over 100,000 street reports (bench_civic's data set): a month, a
    quarter and the longest period (366 days), against 10 s.

    python bench/bench_reports.py            (env from `infra/dev/services.sh env`)

It uses bench_civic's and bench_consultations' database: BENCH_DATABASE_URL, or DATABASE_URL's
database name + "_bench" (created, migrated and seeded on the first run, kept afterwards).
"""

import datetime
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "false")

import bench_civic
from _setup import bench_council, bench_database

BALLOTS = int(os.environ.get("BENCH_REPORT_BALLOTS", "10000"))
TEXTS = int(os.environ.get("BENCH_REPORT_TEXTS", "10000"))
SLUG = "bench-reports"
TITLE = "Bench: report of 8 questions"
PASSWORD = "bench-password-123"  # noqa: S105  (a throwaway council in its own database)
WORDS = [
    *("quai", "vélo", "banc", "arbre", "parking", "trottoir", "école", "marché", "lumière"),
    *("bruit", "sécurité", "piéton", "bus", "jardin", "place", "fontaine", "rue", "enfants"),
    *("commerce", "propreté", "poubelle", "nuit", "été", "hiver", "pont", "rivière"),
]
THEMES = ["mobilier", "circulation", "propreté", "sécurité", "nature", "commerce"]


def seed_consultation():
    """The council and its consultation: 8 questions (2 free text), BALLOTS ballots, TEXTS
    published free-text answers split over the two text questions."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    council = bench_council(
        SLUG, "Bench Reports", admin_email="admin@bench-reports.example", admin_password=PASSWORD
    )
    with tenant_context(council):
        from bench_consultations import seed_ballots

        from accounts.models import User
        from accounts.services import staff_member_create
        from civic.consultations import services
        from civic.consultations.models import (
            Ballot,
            Consultation,
            QuestionKind,
            TextAnswer,
            TextStatus,
        )
        from civic.consultations.services import QuestionSpec
        from community.models import Neighbourhood

        officer = User.objects.filter(email="comms@bench-reports.example").first()
        if officer is None:
            officer = staff_member_create(
                email="comms@bench-reports.example",
                full_name="Comms",
                roles=["communications_officer"],
                password=PASSWORD,
            )
        hoods = [Neighbourhood.objects.get_or_create(name=f"Quartier {i}")[0] for i in range(6)]
        consultation = Consultation.objects.filter(title=TITLE).first()
        if consultation is None:
            now = timezone.now()
            consultation = services.consultation_create(
                actor=officer,
                title=TITLE,
                opens_at=now,
                closes_at=now + datetime.timedelta(days=365),
                eligibility="verified",
            )
            specs = [
                QuestionSpec(kind=QuestionKind.SINGLE, label="Route", choices=["A", "B", "C"]),
                QuestionSpec(
                    kind=QuestionKind.MULTIPLE, label="Days", choices=["Mo", "Tu", "We", "Th"]
                ),
                QuestionSpec(
                    kind=QuestionKind.RANKING, label="Projects", choices=["Park", "Pool", "Lib"]
                ),
                QuestionSpec(kind=QuestionKind.SCALE, label="Safety", scale_min=1, scale_max=5),
                QuestionSpec(kind=QuestionKind.YES_NO, label="Ban cars?"),
                QuestionSpec(kind=QuestionKind.NUMBER, label="Trips", number_min=0, number_max=50),
                QuestionSpec(kind=QuestionKind.LONG_TEXT, label="Ideas", required=False),
                QuestionSpec(kind=QuestionKind.SHORT_TEXT, label="One word", required=False),
            ]
            for spec in specs:
                services.question_save(actor=officer, consultation=consultation, spec=spec)
            services.consultation_schedule(actor=officer, consultation=consultation)
        questions = list(consultation.questions.order_by("order"))
        rng = random.Random(42)
        have = Ballot.objects.filter(consultation=consultation).count()
        if have < BALLOTS:
            seed_ballots(consultation, questions, hoods, have, BALLOTS, rng)
        text_questions = [q for q in questions if q.kind in ("long_text", "short_text")]
        have = TextAnswer.objects.filter(question__in=text_questions).count()
        if have < TEXTS:
            print(f"seeding {TEXTS - have} published free-text answers…", flush=True)
            rows = []
            for i in range(have, TEXTS):
                question = text_questions[i % 2]
                length = rng.randint(1, 3) if question.kind == "short_text" else rng.randint(8, 60)
                rows.append(
                    TextAnswer(
                        question=question,
                        text=" ".join(rng.choice(WORDS) for _ in range(length)).capitalize(),
                        status=TextStatus.PUBLISHED,
                        themes=rng.sample(THEMES, rng.randint(0, 2)),
                    )
                )
            TextAnswer.objects.bulk_create(rows, batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return council, consultation


# --- the measured part, in a child process -------------------------------------------------


def _child(what: str) -> None:
    bench_database()
    from django_tenants.utils import tenant_context

    from accounts.models import User
    from reports import services
    from reports.models import ReportKind, ReportStatus
    from tenants.models import Council

    if what == "consultation":
        council = Council.objects.get(slug=SLUG)
        with tenant_context(council):
            from civic.consultations.models import Consultation

            consultation = Consultation.objects.get(title=TITLE)
            officer = User.objects.get(email="comms@bench-reports.example")
            started = time.perf_counter()
            report = services.report_request(
                actor=officer, kind=ReportKind.CONSULTATION, subject_id=consultation.pk
            )
            report = services.report_generate(report_id=report.pk)
            seconds = time.perf_counter() - started
            assert report.status == ReportStatus.DONE, report.reason
            # The appendix's own task (enqueued on the broker too; nobody consumes it here).
            appendix_started = time.perf_counter()
            report = services.appendix_generate(report_id=report.pk)
            appendix_seconds = time.perf_counter() - appendix_started
            assert report.appendix_status == ReportStatus.DONE
            print(
                f"  consultation report: {seconds:.2f} s end to end (request to done, PDF and "
                f"CSV written); then its appendix task {appendix_seconds:.2f} s; "
                f"report {report.pages} pages "
                f"({report.size / 1e6:.2f} MB), appendix {report.appendix_pages} pages "
                f"({(report.appendix_size or 0) / 1e6:.2f} MB), "
                f"CSV written: {bool(report.csv_file)}",
                flush=True,
            )
    elif what == "appendix":
        council = Council.objects.get(slug=SLUG)
        with tenant_context(council):
            import weasyprint
            from django.utils import timezone, translation

            from civic.consultations.models import Consultation
            from reports.consultation import consultation_appendix_html
            from reports.models import Report
            from reports.pdf import pdf_write

            consultation = Consultation.objects.get(title=TITLE)
            report = Report.objects.filter(subject_id=consultation.pk).order_by("-pk").first()
            if report is None:  # case (b) run on its own: the report row is not needed
                report = Report(kind="consultation", subject_id=consultation.pk)
            cpu = time.process_time()
            # What consultation_appendix_render does, timed step by step.
            with (
                translation.override(council.default_language),
                timezone.override(council.timezone),
            ):
                started = time.perf_counter()
                html = consultation_appendix_html(consultation, report)
                prepared = time.perf_counter()
                document = weasyprint.HTML(string=html, base_url=str(ROOT)).render()
                laid_out = time.perf_counter()
                pdf = pdf_write(document)
                seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            pages = len(document.pages)
            answers = html.count('<p class="answer">')
            print(
                f"  appendix of {answers:,} answers: {seconds:.2f} s wall, {cpu:.2f} s CPU, "
                f"{pages} pages, {pages / seconds:.1f} pages/s wall ({pages / cpu:.1f} per CPU s) "
                f"({prepared - started:.2f} s data and HTML, "
                f"{laid_out - prepared:.2f} s layout, {time.perf_counter() - laid_out:.2f} s "
                f"writing {len(pdf) / 1e6:.2f} MB)",
                flush=True,
            )
    else:
        council = Council.objects.get(slug=bench_civic.SLUG)
        with tenant_context(council):
            from django.utils import timezone

            from civic.models import IssueReport

            admin = User.objects.get(email="admin@bench.example")
            days = {"month": 30, "quarter": 91, "year": 366}[what]
            last = timezone.localdate() - datetime.timedelta(days=1)
            first = last - datetime.timedelta(days=days - 1)
            in_period = IssueReport.objects.filter(
                created_at__date__gte=first, created_at__date__lte=last
            ).count()
            started = time.perf_counter()
            report = services.report_request(
                actor=admin,
                kind=ReportKind.STREET,
                parameters={"start": first.isoformat(), "end": last.isoformat()},
            )
            report = services.report_generate(report_id=report.pk)
            seconds = time.perf_counter() - started
            assert report.status == ReportStatus.DONE, report.reason
            print(
                f"  street report, {what} ({first} to {last}, {in_period:,} of "
                f"{IssueReport.objects.count():,} reports): {seconds:.2f} s end to end, "
                f"{report.pages} pages",
                flush=True,
            )


def _measure(what: str, goal_seconds: float | None = None) -> None:
    started = time.perf_counter()
    # The child uses the same bench database (setup() already pointed DATABASE_URL at it).
    env = {**os.environ, "BENCH_DATABASE_URL": os.environ["DATABASE_URL"]}
    process = subprocess.Popen([sys.executable, __file__, "--child", what], env=env)  # noqa: S603
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    verdict = f" (memory goal 500 MB: {'met' if peak_mb < 500 else 'MISSED'})"
    # CPU time does not grow with the machine's load as wall time does (a shared machine).
    print(
        f"  {what}: child process {wall:.1f} s wall, {usage.ru_utime + usage.ru_stime:.1f} s CPU "
        f"(both with Django start-up), "
        f"peak memory {peak_mb:.0f} MB{verdict if what == 'consultation' else ''}",
        flush=True,
    )
    if process.returncode:
        raise SystemExit(f"{what} failed")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(sys.argv[2])
        return
    bench_database()
    started = time.perf_counter()
    only = os.environ.get("BENCH_REPORTS_ONLY", "abc")
    seed_consultation()
    if "c" in only:
        bench_civic.seed()
    print(f"data ready in {time.perf_counter() - started:.1f} s", flush=True)
    if "a" in only:
        print(f"(a) consultation report, {BALLOTS:,} ballots x 8 questions, {TEXTS:,} answers:")
        _measure("consultation")
    if "b" in only:
        print("(b) the free-text appendix (goal 30 s):")
        _measure("appendix")
    if "c" in only:
        print("(c) street issues report over the street reports (goal 10 s):")
        for what in ("month", "quarter", "year"):
            _measure(what)
    print(f"(load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
