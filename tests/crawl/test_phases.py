"""`FairShare`: which phase's unit a crawl submits next when its phases run side by side.
The phases and units here are synthetic (names and sizes only): the scheduling is pure."""

from __future__ import annotations

import heapq

from pipeline.crawl.phases import FairShare, Phase, WorkUnit


def phase_queues(sizes: dict[str, int]) -> list[list[WorkUnit]]:
    queues = []
    for name, size in sizes.items():
        phase = Phase(name, task=dict, items=list(range(size)))
        queues.append([WorkUnit(phase, f"{name}-{n:05d}", [n], {}) for n in range(size)])
    return queues


def names(units: list[WorkUnit]) -> list[str]:
    return [unit.name for unit in units]


def test_the_first_units_fill_the_slots_one_phase_after_the_other() -> None:
    share = FairShare(phase_queues({"cards": 10, "orgs": 10, "names": 1}), slots=5)
    assert names(share.start()) == [
        "cards-00000",
        "orgs-00000",
        "names-00000",
        "cards-00001",
        "orgs-00001",
    ]
    assert len(share) == 21 - 5
    assert share.start() == []  # every slot is taken


def test_a_finished_unit_is_followed_by_the_next_of_its_phase() -> None:
    queues = phase_queues({"cards": 10, "orgs": 10})
    share = FairShare(queues, slots=4)
    first = share.start()
    assert names(share.finished(first[0])) == ["cards-00002"]
    assert names(share.finished(first[1])) == ["orgs-00002"]


def test_the_slot_of_a_phase_that_ran_out_goes_to_the_phase_with_the_fewest_running() -> None:
    queues = phase_queues({"names": 1, "cards": 10, "orgs": 10})
    share = FairShare(queues, slots=5)
    first = share.start()  # names 1, cards 2, orgs 2
    assert names(share.finished(first[0])) == ["cards-00002"]
    assert names(share.finished(first[2])) == ["orgs-00002"]  # orgs 1 running, cards 3


def test_nothing_follows_when_every_unit_is_handed_out() -> None:
    share = FairShare(phase_queues({"cards": 2}), slots=8)
    first = share.start()
    assert names(first) == ["cards-00000", "cards-00001"]
    assert share.finished(first[0]) == [] and len(share) == 0


def test_a_fast_phase_keeps_its_share_beside_slow_phases() -> None:
    # Cards units take 1 s, the three api phases' units 3 s (they wait on a busier bucket).
    # Submitting every unit up front, in turn, let the slow phases take most slots over
    # and left the fast phase, and its bucket, idle; here cards hold 2 of 8 slots until
    # their 40 units are done, at 40 / 2 x 1 s = 20 s.
    seconds = {"cards": 1.0, "security": 3.0, "orgs": 3.0, "names": 3.0}
    share = FairShare(phase_queues(dict.fromkeys(seconds, 40)), slots=8)
    events: list[tuple[float, int, WorkUnit]] = []
    submitted = 0

    def submit(units: list[WorkUnit], now: float) -> None:
        nonlocal submitted
        for unit in units:
            submitted += 1
            heapq.heappush(events, (now + seconds[unit.phase.name], submitted, unit))

    submit(share.start(), 0.0)
    cards_running, cards_done_at = [], 0.0
    while events:
        now, _, unit = heapq.heappop(events)
        submit(share.finished(unit), now)
        if unit.phase.name == "cards":
            cards_done_at = now
        running = [u.phase.name for _, _, u in events]
        if any(u.phase.name == "cards" for _, _, u in events):
            cards_running.append(running.count("cards"))
    assert submitted == 160
    assert min(cards_running[:-1]) == 2
    assert cards_done_at == 20.0
