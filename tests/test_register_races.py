"""Hostile: register transitions of the same row at the same moment, on both back-ends.

Threads released by one barrier fire void/confirm and confirm/confirm pairs at a
reserved number. Invariant: exactly one of each pair succeeds, the loser gets a
Vietnamese CongvanError, the final state is the winner's, and the audit log holds
exactly one transition per pair.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from congvan.errors import CongvanError
from congvan.register import service
from register_fixtures import *  # noqa: F403 - fixtures db, pg_server
from register_fixtures import reserve, take

PAIRS = 12


def _race(*actions: Callable[[], object]) -> list[object]:
    """Run the actions in threads released together; each result or its exception."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = actions[i]()
        except Exception as err:  # the loser's error is the result
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
        assert not th.is_alive(), "a transition hung"
    return results


def _reserve(db: str, i: int) -> service.CapSo:
    return reserve(db, so_dang_ky="LDLD", trich_yeu=f"Dự thảo {i}", nguoi="vt")


def _one_winner(results: list[object]) -> tuple[service.DongSo, CongvanError]:
    wins = [r for r in results if isinstance(r, service.DongSo)]
    losses = [r for r in results if isinstance(r, CongvanError)]
    assert len(wins) == 1 and len(losses) == 1, results
    message = str(losses[0])
    assert any(word in message for word in ("vừa được người khác", "đã được cấp", "đã bị hủy"))
    return wins[0], losses[0]


@pytest.mark.slow
def test_void_and_confirm_at_the_same_moment(db: str) -> None:
    """Never a lost update: a void is never overwritten by a confirm.

    Voiding an issued number is allowed, so "confirm, then void" is a valid serial
    outcome (both succeed, final state void, log in that order). What must never
    happen is both reading "reserved" and both writing: then exactly one wins.
    """
    service.tao_so_dang_ky(db, "LDLD", co_quan="LĐLĐ")
    for i in range(PAIRS):
        held = _reserve(db, i)
        before = len(service.nhat_ky(db))
        void, confirm = _race(
            lambda h=held: service.huy_so(db, h.so_ky_hieu, nam=2026, ly_do="Ký nhầm"),
            lambda h=held: service.xac_nhan(db, h.so_ky_hieu, nam=2026, nguoi="a"),
        )
        row = next(r for r in service.danh_sach(db, 2026) if r.so == held.so)
        log = [e["hanh_dong"] for e in service.nhat_ky(db)[before:]]
        if isinstance(void, service.DongSo) and isinstance(confirm, service.DongSo):
            assert log == ["xac_nhan", "huy_so"] and row.trang_thai == "huy"
            continue
        winner, _ = _one_winner([void, confirm])
        assert row.trang_thai == winner.trang_thai  # the loser changed nothing
        assert log == ["huy_so" if winner is void else "xac_nhan"]


@pytest.mark.slow
def test_two_confirms_at_the_same_moment(db: str) -> None:
    service.tao_so_dang_ky(db, "LDLD", co_quan="LĐLĐ")
    for i in range(PAIRS):
        held = _reserve(db, i)
        results = _race(
            lambda h=held: service.xac_nhan(db, h.so_ky_hieu, nam=2026, nguoi_ky="Người A"),
            lambda h=held: service.xac_nhan(db, h.so_ky_hieu, nam=2026, nguoi_ky="Người B"),
        )
        winner, _ = _one_winner(results)
        row = next(r for r in service.danh_sach(db, 2026) if r.so == held.so)
        assert (row.trang_thai, row.nguoi_ky) == ("da_cap", winner.nguoi_ky)  # not overwritten
    assert [e["hanh_dong"] for e in service.nhat_ky(db)].count("xac_nhan") == PAIRS


def test_first_takes_of_a_new_body_and_one_key_at_the_same_moment(db: str) -> None:
    """Uniqueness races (auto-created register, one document key) end in retries, not errors."""
    results = _race(*[lambda i=i: take(db, trich_yeu=f"Đầu tiên {i}") for i in range(6)])
    assert sorted(r.so for r in results) == list(range(1, 7)), results  # type: ignore[union-attr]
    assert [r.ma for r in service.danh_sach_so_dang_ky(db)] == ["LĐLĐ-chung"]
    keyed = _race(*[lambda: take(db, khoa="hoso:/mot/van-ban.yaml") for _ in range(4)])
    assert len({r.so for r in keyed}) == 1 and sum(r.moi for r in keyed) == 1, keyed  # type: ignore[union-attr]
    assert [r.so for r in service.danh_sach(db, 2026)] == list(range(1, 8))
