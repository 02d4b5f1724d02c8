"""Consultations at scale: a secret consultation with 10 questions and 10,000 ballots already
cast; prints the p50/p95 of submitting one more ballot (the whole service: eligibility, locks,
validation, participation and ballot rows, commit), the time to compute the results of the
10,000 ballots x 10 questions (SQL tallies, breakdown by neighbourhood, suppression), and the
time to mix the ballot box.

    python bench/bench_consultations.py            (env from `infra/dev/services.sh env`)

It uses its own database: BENCH_DATABASE_URL, or DATABASE_URL's database name + "_bench"
(created and migrated on the first run; the seeded ballots are kept for the next runs).
"""

import os
import random
import time
from datetime import timedelta

from _setup import bench_council, bench_database, percentiles

BALLOTS = int(os.environ.get("BENCH_CONSULTATION_BALLOTS", "10000"))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "200"))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
SLUG = "bench-consult"
HOST = f"{SLUG}.localhost"
TITLE = "Bench: 10 questions"


def _answer(rng: random.Random, questions) -> dict:
    from civic.consultations.models import QuestionKind

    answers: dict = {}
    for q in questions:
        keys = [k for k, _label in q.options()]
        if q.kind == QuestionKind.SINGLE or q.kind == QuestionKind.YES_NO:
            answers[q.key] = rng.choice(keys)
        elif q.kind == QuestionKind.MULTIPLE:
            answers[q.key] = rng.sample(keys, rng.randint(1, 2))
        elif q.kind == QuestionKind.RANKING:
            answers[q.key] = rng.sample(keys, len(keys))
        elif q.kind == QuestionKind.SCALE:
            answers[q.key] = int(rng.choice(keys))
        elif q.kind == QuestionKind.NUMBER:
            answers[q.key] = rng.randint(0, 30)
    return answers


def seed_ballots(consultation, questions, hoods, have: int, wanted: int, rng) -> None:
    """Ballots from `have` up to `wanted`, in batches of 2,000, each with its participation
    (whose people are not needed here), spread over `hoods`."""
    from django.utils import timezone

    from civic.consultations.models import Ballot, Participation, tally_codes

    print(f"seeding {wanted - have} ballots…", flush=True)
    by_key = {q.key: q for q in questions}
    day = timezone.localdate()
    for start in range(have, wanted, 2000):
        size = min(2000, wanted - start)
        rows = []
        for _ in range(size):
            answers = _answer(rng, questions)
            rows.append(
                Ballot(
                    consultation=consultation,
                    answers=answers,
                    codes=tally_codes(by_key, answers),
                    neighbourhood=rng.choice(hoods),
                )
            )
        Ballot.objects.bulk_create(rows)
        Participation.objects.bulk_create(
            [Participation(consultation=consultation, day=day) for _ in range(size)]
        )


def seed():
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    council = bench_council(
        SLUG,
        "Bench Consult",
        admin_email="admin@bench-consult.example",
        admin_password="bench-password-123",
    )
    with tenant_context(council):
        from accounts.services import staff_member_create
        from civic.consultations import services
        from civic.consultations.models import (
            Ballot,
            Consultation,
            QuestionKind,
        )
        from civic.consultations.services import QuestionSpec
        from community.models import CommunitySettings, Neighbourhood

        officer = staff_member_create(
            email="comms@bench-consult.example",
            full_name="Comms",
            roles=["communications_officer"],
            password="bench-password-123",
        )
        hoods = [Neighbourhood.objects.get_or_create(name=f"Quartier {i}")[0] for i in range(6)]
        consultation = Consultation.objects.filter(title=TITLE).first()
        if consultation is None:
            now = timezone.now()
            consultation = services.consultation_create(
                actor=officer,
                title=TITLE,
                opens_at=now,
                closes_at=now + timedelta(days=365),
                eligibility="verified",
            )
            specs = [
                QuestionSpec(kind=QuestionKind.SINGLE, label="Route", choices=["A", "B", "C"]),
                QuestionSpec(kind=QuestionKind.SINGLE, label="Colour", choices=["Red", "Blue"]),
                QuestionSpec(
                    kind=QuestionKind.MULTIPLE, label="Days", choices=["Mo", "Tu", "We", "Th"]
                ),
                QuestionSpec(kind=QuestionKind.MULTIPLE, label="Uses", choices=["Walk", "Bike"]),
                QuestionSpec(
                    kind=QuestionKind.RANKING, label="Projects", choices=["Park", "Pool", "Lib"]
                ),
                QuestionSpec(kind=QuestionKind.SCALE, label="Safety", scale_min=1, scale_max=5),
                QuestionSpec(kind=QuestionKind.SCALE, label="Noise", scale_min=0, scale_max=10),
                QuestionSpec(kind=QuestionKind.YES_NO, label="Ban cars?"),
                QuestionSpec(kind=QuestionKind.YES_NO, label="More benches?"),
                QuestionSpec(kind=QuestionKind.NUMBER, label="Trips", number_min=0, number_max=50),
            ]
            for spec in specs:
                services.question_save(actor=officer, consultation=consultation, spec=spec)
            services.consultation_schedule(actor=officer, consultation=consultation)
        questions = list(consultation.questions.all())
        have = Ballot.objects.filter(consultation=consultation).count()
        if have < BALLOTS:
            seed_ballots(consultation, questions, hoods, have, BALLOTS, random.Random(42))
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        settings = CommunitySettings.load()
        settings.require_vote = True
        settings.save()
        return council, consultation, hoods


def _people(count: int, hoods) -> list:
    from django.utils import timezone

    from accounts.models import User
    from community.models import Residence, Status

    stamp = time.time_ns()
    users = User.objects.bulk_create(
        [
            User(
                email=f"voter{stamp}-{i}@bench.example",
                full_name=f"Voter {i}",
                email_confirmed=True,
            )
            for i in range(count)
        ]
    )
    Residence.objects.bulk_create(
        [
            Residence(
                user=u,
                address_line1=f"{i} rue du Bench",
                postcode="22100",
                city="Dinan",
                neighbourhood=hoods[i % len(hoods)],
                household_key=f"h{stamp}-{i}",
                status=Status.VERIFIED,
                verified_at=timezone.now(),
            )
            for i, u in enumerate(users)
        ]
    )
    return users


def main() -> None:
    bench_database()
    from django_tenants.utils import tenant_context

    council, consultation, hoods = seed()
    with tenant_context(council):
        from civic.consultations import selectors, services
        from civic.consultations.models import Ballot

        questions = list(consultation.questions.all())
        rng = random.Random()
        people = _people(SUBMISSIONS, hoods)
        before = Ballot.objects.filter(consultation=consultation).count()
        timings = []
        for person in people:
            answers = _answer(rng, questions)
            raw = {
                k: ([str(x) for x in v] if isinstance(v, list) else str(v))
                for k, v in answers.items()
            }
            started = time.perf_counter()
            services.participation_submit(user=person, consultation=consultation, raw=raw)
            timings.append((time.perf_counter() - started) * 1000)
        print(f"ballot submission with {before:,} ballots already cast: {percentiles(timings)}")
        results_ms = []
        for _ in range(RUNS):
            started = time.perf_counter()
            data = selectors.results_compute(consultation)
            results_ms.append((time.perf_counter() - started) * 1000)
        first = data["questions"][0]
        assert first["answered"] == data["ballots"], "every ballot is tallied"
        print(
            f"results of {data['ballots']:,} ballots x {len(questions)} questions: "
            f"{percentiles(results_ms)}"
        )
        started = time.perf_counter()
        mixed = services.ballots_mix(consultation=consultation)
        full = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        services.ballots_mix(consultation=consultation)
        idle = (time.perf_counter() - started) * 1000
        print(
            f"mixing the ballot box: {mixed:,} ballots rewritten in {full:.0f} ms; "
            f"{idle:.1f} ms when nothing new was cast"
        )
        print(f"(load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
