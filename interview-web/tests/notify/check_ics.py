"""Checks the calendar files of one booking with an independent parser (icalendar).

Usage: check_ics.py ORGANIZER INVITATION.ics UPDATE.ics CANCELLATION.ics

Each file must parse as an iTIP message (RFC 5546) about one event: the same UID in
all three, SEQUENCE strictly increasing, ORGANIZER mailto:ORGANIZER, METHOD:REQUEST
with STATUS:CONFIRMED for the invitation and its update, METHOD:CANCEL with
STATUS:CANCELLED for the cancellation. Exits non-zero, saying why, otherwise.
"""

import sys

import icalendar


def event_of(path):
    with open(path, "rb") as file:
        calendar = icalendar.Calendar.from_ical(file.read())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1, f"{path}: {len(events)} events"
    return calendar, events[0]


def main():
    organizer, *paths = sys.argv[1:]
    assert len(paths) == 3, "three files: invitation, update, cancellation"
    expected = [("REQUEST", "CONFIRMED"), ("REQUEST", "CONFIRMED"), ("CANCEL", "CANCELLED")]
    uids, sequences, starts = set(), [], []
    for path, (method, status) in zip(paths, expected):
        calendar, event = event_of(path)
        assert str(calendar.get("METHOD")) == method, f"{path}: METHOD {calendar.get('METHOD')}"
        assert str(calendar.get("VERSION")) == "2.0", f"{path}: VERSION"
        assert calendar.get("PRODID"), f"{path}: no PRODID"
        assert str(event.get("STATUS")) == status, f"{path}: STATUS {event.get('STATUS')}"
        assert str(event.get("ORGANIZER")).lower() == f"mailto:{organizer}".lower(), (
            f"{path}: ORGANIZER {event.get('ORGANIZER')}"
        )
        attendee = event.get("ATTENDEE")
        assert attendee is not None and str(attendee).startswith("mailto:"), f"{path}: ATTENDEE"
        for required in ("DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert event.get(required) is not None, f"{path}: no {required}"
        uids.add(str(event.get("UID")))
        sequences.append(int(event.get("SEQUENCE")))
        starts.append(event.decoded("DTSTART"))
    assert len(uids) == 1, f"one UID for the booking, got {sorted(uids)}"
    assert sequences == sorted(set(sequences)), f"SEQUENCE must increase: {sequences}"
    assert starts[1] != starts[0], "the update moves the interview"
    print(f"ok: uid={uids.pop()} sequences={sequences}")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as problem:
        print(f"check_ics: {problem}", file=sys.stderr)
        sys.exit(1)
