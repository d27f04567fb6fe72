"""The DNS answers of one authoritative zone, as bytes on the wire: a pure function of query and zone.

Only what an authoritative server for Cloud Map's A records needs is here (RFC 1035 §4.1), which is
small enough to write without a library: a 12-byte header, one question, fixed-size A answers and an
SOA for negative answers (RFC 2308 §3). Answers follow Route 53's multivalue routing, which Cloud Map
uses for A records: at most eight records per answer, a different subset per query when a name has
more (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html,
MultiValueAnswer).

    A / ANY for a known name          NOERROR, its addresses, authoritative
    SOA at the zone's apex            NOERROR, the zone's SOA
    other types, apex, parent names   NOERROR with no answer ("NODATA"), SOA in the authority section
    unknown name inside the zone      NXDOMAIN, SOA in the authority section
    a name outside the zone, class    REFUSED (we are nobody's recursive resolver)
    not a standard query              NOTIMP
    a question we cannot read         FORMERR; a datagram without a header is dropped

EDNS (an OPT record in the additional section) is ignored, so UDP answers stay within 512 bytes
(RFC 1035 §4.2.1): a larger one is sent truncated (TC set, no records) and the client asks again
over TCP (RFC 7766).
"""

from __future__ import annotations

import ipaddress
import random
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Record types and the class we serve (RFC 1035 §3.2.2-4).
TYPE_A = 1
TYPE_SOA = 6
TYPE_ANY = 255
CLASS_IN = 1
CLASS_ANY = 255

# Response codes (RFC 1035 §4.1.1).
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = range(6)

UDP_PAYLOAD_LIMIT = 512  # without EDNS, RFC 1035 §4.2.1
ROUTE53_MULTIVALUE_LIMIT = 8

_HEADER = struct.Struct("!HHHHHH")  # id, flags, qdcount, ancount, nscount, arcount
_FLAG_QR, _FLAG_AA, _FLAG_TC, _FLAG_RD = 0x8000, 0x0400, 0x0200, 0x0100
_MAX_LABEL, _MAX_NAME = 63, 255

Name = tuple[bytes, ...]  # lower-cased labels, without the root


def parse_name(text: str) -> Name:
    """`Products-V1.shop.local.` -> (b"products-v1", b"shop", b"local"); ValueError when not a DNS name."""
    labels = tuple(label.encode("ascii").lower() for label in text.rstrip(".").split("."))
    if not text.strip(".") or any(not 0 < len(label) <= _MAX_LABEL for label in labels):
        raise ValueError(f"{text!r} is not a DNS name (labels of 1 to {_MAX_LABEL} characters)")
    if sum(len(label) + 1 for label in labels) + 1 > _MAX_NAME:
        raise ValueError(f"{text!r} is longer than {_MAX_NAME} bytes on the wire")
    return labels


def name_text(name: Name) -> str:
    return b".".join(name).decode("ascii", "replace")


@dataclass(frozen=True)
class Zone:
    """An immutable snapshot of the zone: swapped whole on updates, so readers need no lock."""

    apex: Name
    records: Mapping[Name, tuple[bytes, ...]]  # name -> packed IPv4 addresses
    ttl: int
    max_answers: int | None = ROUTE53_MULTIVALUE_LIMIT
    serial: int = 1
    # Names that exist without records of their own (RFC 8020): the apex and every parent of a record.
    _existing: frozenset[Name] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        existing = {self.apex}
        for name in self.records:
            existing.update(name[i:] for i in range(len(name) - len(self.apex)))
        object.__setattr__(self, "_existing", frozenset(existing))

    @classmethod
    def build(
        cls,
        apex: str,
        records: Mapping[str, Iterable[str]],
        ttl: int,
        max_answers: int | None = ROUTE53_MULTIVALUE_LIMIT,
        serial: int = 1,
    ) -> Zone:
        """From text: every problem in `records` at once, as one ValueError."""
        if not 0 <= ttl <= 2**31 - 1:
            raise ValueError(f"ttl: {ttl} is not between 0 and 2147483647 seconds")
        if max_answers is not None and max_answers < 1:
            raise ValueError(f"max_answers: {max_answers} must be at least 1 (or None for all)")
        zone = parse_name(apex)
        packed: dict[Name, tuple[bytes, ...]] = {}
        problems = []
        for text, addresses in records.items():
            try:
                name = parse_name(text)
                if name[-len(zone) :] != zone or name == zone:
                    raise ValueError(f"{text!r} is not a name inside the zone {apex!r}")
                packed[name] = tuple(ipaddress.IPv4Address(a).packed for a in addresses)
            except ValueError as err:  # AddressValueError is a ValueError
                problems.append(f"records[{text!r}]: {err}")
        if problems:
            raise ValueError("; ".join(problems))
        return cls(zone, packed, ttl, max_answers, serial)

    def contains(self, name: Name) -> bool:
        return name[len(name) - len(self.apex) :] == self.apex

    def exists(self, name: Name) -> bool:
        return name in self._existing


@dataclass(frozen=True)
class Question:
    name: Name
    qtype: int
    qclass: int
    wire: bytes  # exactly as asked (case preserved, for resolvers that randomise it)


def answer(query: bytes, zone: Zone, limit: int | None = UDP_PAYLOAD_LIMIT) -> bytes | None:
    """The response to one DNS message, at most `limit` bytes (None: no limit, as over TCP).

    None when there is nothing to answer: fewer bytes than a header, or a response rather than a query.
    """
    if len(query) < _HEADER.size:
        return None
    ident, flags, qdcount, _, _, _ = _HEADER.unpack_from(query)
    if flags & _FLAG_QR:
        return None
    opcode_rd = flags & (0x7800 | _FLAG_RD)
    if flags & 0x7800:
        return _response(ident, opcode_rd, NOTIMP)
    question = _read_question(query) if qdcount == 1 else None
    if question is None:
        return _response(ident, opcode_rd, FORMERR)
    message = _respond(ident, opcode_rd, question, zone)
    if limit is not None and len(message) > limit:
        return _response(ident, opcode_rd | _FLAG_AA | _FLAG_TC, NOERROR, question)
    return message


def read_question(query: bytes) -> Question | None:
    """The question of a query, for logging; None when it has none we can read."""
    if len(query) < _HEADER.size or _HEADER.unpack_from(query)[2] != 1:
        return None
    return _read_question(query)


def _read_question(query: bytes) -> Question | None:
    labels, at = [], _HEADER.size
    while True:
        if at >= len(query):
            return None
        length = query[at]
        if length == 0:
            at += 1
            break
        # A compression pointer (0b11...) or a reserved label type has no place in a question.
        if length > _MAX_LABEL or at + 1 + length > len(query):
            return None
        labels.append(query[at + 1 : at + 1 + length].lower())
        at += 1 + length
    if at + 4 > len(query) or at - _HEADER.size > _MAX_NAME or not labels:
        return None
    qtype, qclass = struct.unpack_from("!HH", query, at)
    return Question(tuple(labels), qtype, qclass, query[_HEADER.size : at + 4])


def _respond(ident: int, flags: int, question: Question, zone: Zone) -> bytes:
    if question.qclass not in (CLASS_IN, CLASS_ANY) or not zone.contains(question.name):
        return _response(ident, flags, REFUSED, question)
    flags |= _FLAG_AA
    addresses = zone.records.get(question.name)
    if addresses is None and not zone.exists(question.name):
        return _response(ident, flags, NXDOMAIN, question, authority=[_soa(question, zone)])
    if question.qtype in (TYPE_A, TYPE_ANY) and addresses:
        chosen = _multivalue(addresses, zone.max_answers)
        return _response(ident, flags, NOERROR, question, answers=[_a(ip, zone.ttl) for ip in chosen])
    if question.qtype in (TYPE_SOA, TYPE_ANY) and question.name == zone.apex:
        return _response(ident, flags, NOERROR, question, answers=[_soa(question, zone, owner=0xC00C)])
    return _response(ident, flags, NOERROR, question, authority=[_soa(question, zone)])


def _multivalue(addresses: tuple[bytes, ...], limit: int | None) -> Iterable[bytes]:
    """All of them, or a random `limit` of them, as Route 53 answers different resolvers differently."""
    if limit is None or len(addresses) <= limit:
        return addresses
    return random.sample(addresses, limit)


def _response(
    ident: int,
    flags: int,
    rcode: int,
    question: Question | None = None,
    answers: list[bytes] | None = None,
    authority: list[bytes] | None = None,
) -> bytes:
    answers, authority = answers or [], authority or []
    header = _HEADER.pack(
        ident, _FLAG_QR | flags | rcode, 1 if question else 0, len(answers), len(authority), 0
    )
    return b"".join([header, question.wire if question else b"", *answers, *authority])


def _a(address: bytes, ttl: int) -> bytes:
    # Owner: a pointer to the question's name at offset 12 (RFC 1035 §4.1.4).
    return struct.pack("!HHHIH", 0xC00C, TYPE_A, CLASS_IN, ttl, 4) + address


def _soa(question: Question, zone: Zone, owner: int | None = None) -> bytes:
    """The zone's SOA; its names point at the apex inside the question, which always ends with it."""
    apex_at = _HEADER.size + sum(
        len(label) + 1 for label in question.name[: len(question.name) - len(zone.apex)]
    )
    apex = struct.pack("!H", 0xC000 | apex_at)
    rdata = b"".join(
        [
            b"\x02ns" + apex,  # primary name server: ns.<zone>
            b"\x0ahostmaster" + apex,  # responsible mailbox: hostmaster.<zone>
            # serial, refresh, retry, expire, and minimum (the negative-caching TTL, RFC 2308 §4)
            struct.pack("!IIIII", zone.serial, 3600, 600, 86400, zone.ttl),
        ]
    )
    owner_ref = struct.pack("!H", owner) if owner is not None else apex
    return owner_ref + struct.pack("!HHIH", TYPE_SOA, CLASS_IN, zone.ttl, len(rdata)) + rdata
