"""Capacity is never exceeded, with real concurrent connections to the real PostGIS: threads, each
with its own connection, are released together by a barrier and sign up for one shift at once."""

import threading

import pytest
from django.db import IntegrityError, connection

from tests.factories import OpportunityFactory, ShiftFactory, UserFactory, VolunteerFactory
from volunteers import signups
from volunteers.models import SignUp, SignUpStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

VOLUNTEERS = 50
REPEATS = 4


def run_together(work, arguments):
    """Run work(argument) in one thread per argument, all released at once; returns the
    results (or exceptions) in order."""
    barrier = threading.Barrier(len(arguments))
    results = [None] * len(arguments)

    def worker(i, argument):
        try:
            connection.ensure_connection()  # connect first, so the barrier releases queries
            barrier.wait()
            results[i] = work(argument)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(arguments)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def volunteers(n):
    """Verified volunteers who agreed to the account's terms (a sign-up needs it)."""
    return [VolunteerFactory(consents=["account"]).user for _ in range(n)]


def new_shift(capacity):
    # No area: transactional tests run on an empty database, without the gazetteer.
    opportunity = OpportunityFactory(area_id=None, organization__area_id=None)
    return ShiftFactory(opportunity=opportunity, capacity=capacity)


@pytest.mark.parametrize("capacity", [1, 5, 20])
def test_fifty_volunteers_at_once_never_overbook(capacity):
    users = volunteers(VOLUNTEERS)
    for _ in range(REPEATS):
        shift = new_shift(capacity)
        results = run_together(lambda user, s=shift: signups.sign_up(user, s.pk)[0], users)
        assert not [r for r in results if isinstance(r, Exception)]
        statuses = [r.status for r in results]
        assert statuses.count(SignUpStatus.CONFIRMED) == capacity
        assert statuses.count(SignUpStatus.WAITLISTED) == VOLUNTEERS - capacity
        stored = SignUp.objects.filter(shift=shift)
        assert stored.confirmed().count() == capacity
        assert stored.count() == VOLUNTEERS


def test_one_volunteer_signing_up_ten_times_at_once_leaves_one_row():
    [user] = volunteers(1)
    for _ in range(REPEATS):
        shift = new_shift(5)
        results = run_together(lambda _i, s=shift: signups.sign_up(user, s.pk)[0], range(10))
        assert not [r for r in results if isinstance(r, Exception)]
        assert len({r.pk for r in results}) == 1
        assert SignUp.objects.filter(shift=shift, volunteer=user).count() == 1


@pytest.mark.parametrize("capacity", [1, 5])
def test_the_database_refuses_overbooking_even_without_the_application_lock(capacity):
    """Writers that skip signups.sign_up (a script, a bug) still meet the trigger."""
    users = UserFactory.create_batch(VOLUNTEERS)
    for _ in range(REPEATS):
        shift = new_shift(capacity)

        def insert(user, s=shift):
            return SignUp.objects.create(shift=s, volunteer=user, status=SignUpStatus.CONFIRMED)

        results = run_together(insert, users)
        refused = [r for r in results if isinstance(r, IntegrityError)]
        assert len(refused) == VOLUNTEERS - capacity
        assert all("signup_within_capacity" in str(r) or "places" in str(r) for r in refused)
        assert SignUp.objects.filter(shift=shift).confirmed().count() == capacity


def test_cancellations_and_sign_ups_at_once_keep_the_count_and_the_queue():
    """Half the confirmed cancel while others sign up: the waiting list fills every freed place,
    and never one more."""
    shift = new_shift(10)
    first = volunteers(10)
    for user in first:
        signups.sign_up(user, shift.pk)
    waiting = volunteers(5)
    for user in waiting:
        signups.sign_up(user, shift.pk)
    newcomers = volunteers(20)
    leaving = list(SignUp.objects.filter(shift=shift, volunteer__in=first[:5]))

    def act(item):
        if isinstance(item, SignUp):
            return signups.cancel(item)
        return signups.sign_up(item, shift.pk)[0]

    results = run_together(act, leaving + newcomers)
    assert not [r for r in results if isinstance(r, Exception)]
    rows = SignUp.objects.filter(shift=shift)
    assert rows.confirmed().count() == 10
    promoted = rows.confirmed().filter(volunteer__in=waiting).count()
    assert promoted == 5  # the five waiting before the newcomers had the freed places first
