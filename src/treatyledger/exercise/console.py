"""The exercise's outcome on the console (Rich): per data date each party's counts as the
other party verified them, beside the official figures and the limits, with gaps and
labels."""

from __future__ import annotations

from typing import Any

from treatyledger.exercise.run import ExerciseResult
from treatyledger.exercise.verified import CATEGORY_IDS

_LABEL = {
    "official": "[green]matches[/] (reproduction)",
    "interpolated": "[dim]no official figure (interpolated)[/]",
    "held": "[dim]no official figure (held)[/]",
    "not_provided": "[yellow]not provided[/]",
}


def print_exercise(console: Any, result: ExerciseResult) -> None:
    from rich.table import Table

    table = Table(
        "data date",
        "party",
        *(cid.replace("_", " ") for cid in CATEGORY_IDS),
        "",
        title="New START, 2011-2026: counted by the other party from its verified mirror / "
        "official aggregate (a reproduction of the input: the streams are generated from these "
        "aggregates)",
    )
    for row in sorted(result.rows, key=lambda r: (r.data_date, r.party)):
        if row.counted is None:
            table.add_row(row.data_date.isoformat(), row.party, "—", "—", "—",
                          f"[yellow]{row.note}[/]")  # fmt: skip
            continue
        cells = []
        for cid in CATEGORY_IDS:
            counted = row.counted[cid]
            official = None if row.official is None else row.official[cid]
            text = f"{counted:,}" if official is None else f"{counted:,} / {official:,}"
            cells.append(f"[bold red]{text}[/]" if cid in row.over_limit else text)
        verdict = _LABEL[row.provenance]
        if row.matches is False:
            verdict = "[bold red]DIFFERS[/]"
        table.add_row(row.data_date.isoformat(), row.party, *cells, verdict)
    table.add_section()
    table.add_row(
        "limits",
        f"from {result.binding_from}",
        *(f"{result.limits[cid]:,}" for cid in CATEGORY_IDS),
        "",
    )
    console.print(table)
    console.print(
        f"{result.official_rows} verified rows match the official aggregates: a reproduction of "
        "the input (each stream was generated to give them, ledger.decade), which proves that "
        "the notifications, signatures, logs, mirroring and counting carry the numbers through "
        "unchanged, not that the forces are right. Dates without an official row show what "
        "was generated, labelled; after Russia's suspension its figures are not provided. What "
        "the streams were not generated from is compared in the table of independent checks "
        "below (and the item-level force above carries its own labels).",
        highlight=False,
    )
    _print_independent(console, result)
    for party, compliance in result.public.items():
        verdicts = ", ".join(
            f"{c['category']} {c['total']:,}/{c['limit']:,} "
            + {True: "within", False: "OVER", None: "not binding"}[c["within_limit"]]
            if c.get("limit") is not None
            else f"{c['category']} {c['total']:,}"
            for c in compliance
        )
        console.print(f"{party} node's public view (observer token): {verdicts}", highlight=False)
    _print_inspections(console, result)
    for checkpoint in result.checkpoints:
        console.print(
            f"{checkpoint.origin}: checkpoint of {checkpoint.size:,} entries, root "
            f"{checkpoint.root}, cosigned by {', '.join(checkpoint.cosigners) or 'nobody'}",
            highlight=False,
        )
    for check in result.bundles:
        answer = check.answer
        verdict = (
            f"[green]valid[/]: {len(answer.get('entries', []))} notifications and "
            f"{answer.get('attachments', {}).get('inspections', 0)} inspection records under "
            f"the checkpoint of size {answer.get('size', 0):,}, cosigned by "
            f"{', '.join(answer.get('cosigners', []))} (the policy the checker brings)"
            if check.valid
            else f"[bold red]INVALID[/]: {answer.get('error')}"
        )
        again = check.commands[-1] if check.commands else ""
        console.print(
            f"{check.party}'s offline evidence bundle, checked by the standalone verifier in "
            f"another process: {verdict}. Re-verify: {again}",
            highlight=False,
        )
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items() if k != "total")
    console.print(
        f"Exercise took {result.timings.get('total', 0):.0f} s, {result.cpu.get('total', 0):.0f} s "
        f"of CPU ({phases}); verification report "
        f"(HTML, PNG plots, the dashboard's pages beside it): {result.summary_path}",
        highlight=False,
    )


def _print_inspections(console: Any, result: ExerciseResult) -> None:
    summary = result.inspections
    outcomes = result.exercise.campaign.outcomes
    clean = summary.submitted - sum(1 for o in outcomes if o.issues)
    span = (
        f"{outcomes[0].planned.arrival.date()} to {outcomes[-1].planned.arrival.date()}"
        if outcomes
        else "none"
    )
    agree = (
        "every one reconciled by the node as by the exercise"
        if not summary.disagreements
        else f"[bold red]the node disagrees on {', '.join(summary.disagreements)}[/]"
    )
    console.print(
        f"{summary.submitted} inspections ({span}; none after the pause of March 2020), "
        f"findings submitted over HTTP by each party's inspectors: {clean} clean; {agree}.",
        highlight=False,
    )
    cheating = result.cheating
    if cheating is None or cheating.description is None:
        console.print("No party cheated: every inspection was clean.", highlight=False)
        return
    console.print(
        f"The cheater (unknown to the inspectors): {cheating.description}.", highlight=False
    )
    chance = (
        f"the inspection statistics gave {cheating.predicted:.0%} for catching it in the "
        f"{cheating.inspections_during} inspections of {cheating.party} while it lasted"
    )
    if cheating.caught_on:
        console.print(
            f"[bold]Caught[/] on {cheating.caught_on} by inspection {cheating.caught_by} "
            f"({'; '.join(cheating.issues)}); {chance}.",
            highlight=False,
        )
    else:
        console.print(f"[bold]Never caught[/]; {chance}.", highlight=False)


_VERDICT = {
    "matches": "[green]matches[/]",
    "at least": "[green]at least the official figure[/]",
    "differs": "[yellow]differs[/]",
    "below": "[yellow]below the official figure[/]",
}


def _print_independent(console: Any, result: ExerciseResult) -> None:
    from rich.table import Table

    if not result.independent:
        return
    table = Table(
        "figure",
        "official",
        "generated",
        "",
        "source",
        title="Independent checks: official figures the streams were NOT generated from",
    )
    for check in result.independent:
        table.add_row(
            check.what,
            f"{check.official:,}",
            f"{check.generated:,}",
            _VERDICT[check.verdict],
            check.source.split(" (")[0],
        )
    console.print(table)
    notes = dict.fromkeys(c.note.split("; the generated volume")[0] for c in result.independent)
    console.print(
        "They test how realistic the generated forces are, not the verification (the exit "
        "status does not depend on them): " + "; ".join(notes) + ".",
        highlight=False,
    )
