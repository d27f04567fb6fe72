"""localmesh's DNS server answers like Cloud Map's private namespace, seen by a real DNS client (dnspython)."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from fargate_mesh.localmesh.dns import LocalDnsServer
from fargate_mesh.localmesh.dns_zone import Zone, answer
from fargate_mesh.localmesh.loopback import random_block

ZONE = "shop.local"
PRODUCTS = ["10.0.1.10", "10.0.2.11"]
MANY = [f"10.0.3.{n}" for n in range(1, 13)]  # more than Route 53's eight per answer
RECORDS = {"products-v1.shop.local": PRODUCTS, "many.shop.local": MANY, "a.deep.shop.local": ["10.0.4.1"]}


@pytest.fixture(scope="module")
def server() -> Iterator[LocalDnsServer]:
    with LocalDnsServer(ZONE, RECORDS, host=random_block().host(53), ttl=7) as running:
        yield running


def ask(server: LocalDnsServer, name: str, rdtype: str = "A", tcp: bool = False) -> dns.message.Message:
    host, port = server.address
    query = dns.message.make_query(name, rdtype)
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, host, port=port, timeout=3)


def addresses(response: dns.message.Message) -> list[str]:
    return [rr.address for rrset in response.answer for rr in rrset]


def soa_minimum(response: dns.message.Message) -> int:
    (soa,) = response.authority
    assert soa.rdtype == dns.rdatatype.SOA and soa.name.to_text() == "shop.local."
    return soa[0].minimum


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_a_known_name_gets_every_address_with_the_ttl(server: LocalDnsServer, tcp: bool):
    """GIVEN products-v1.shop.local with two task addresses and a TTL of 7 s
    WHEN asked for its A records over UDP or TCP, in mixed case
    THEN the answer is authoritative, names the question as asked, and holds both addresses at TTL 7"""
    response = ask(server, "Products-V1.Shop.Local", tcp=tcp)
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA
    assert response.answer[0].name.to_text() == "Products-V1.Shop.Local."
    assert response.answer[0].ttl == 7
    assert sorted(addresses(response)) == sorted(PRODUCTS)


def test_an_unknown_name_in_the_zone_does_not_exist(server: LocalDnsServer):
    """GIVEN no record for orders-v1.shop.local
    WHEN asked for it
    THEN NXDOMAIN, with the zone's SOA so resolvers cache the miss for the TTL"""
    response = ask(server, "orders-v1.shop.local")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert response.flags & dns.flags.AA
    assert not response.answer
    assert soa_minimum(response) == 7


@pytest.mark.parametrize(
    ("name", "rdtype"),
    [("products-v1.shop.local", "AAAA"), ("shop.local", "A"), ("deep.shop.local", "A")],
    ids=["other-type", "apex", "parent-of-a-record"],
)
def test_existing_names_without_a_records_answer_nodata(server: LocalDnsServer, name: str, rdtype: str):
    """GIVEN a name that exists but has no record of the asked type (AAAA of a task, the apex, a parent)
    WHEN asked
    THEN NOERROR with no answer and the SOA: not NXDOMAIN, which would deny the names below it"""
    response = ask(server, name, rdtype)
    assert response.rcode() == dns.rcode.NOERROR
    assert not response.answer
    assert soa_minimum(response) == 7


def test_the_apex_answers_its_soa(server: LocalDnsServer):
    response = ask(server, "shop.local", "SOA")
    assert response.rcode() == dns.rcode.NOERROR
    (soa,) = response.answer
    assert soa[0].mname.to_text() == "ns.shop.local." and soa[0].minimum == 7


@pytest.mark.parametrize("name", ["example.com", "local", "products-v1.shop.localx"])
def test_names_outside_the_zone_are_refused(server: LocalDnsServer, name: str):
    """GIVEN a name outside shop.local
    WHEN asked
    THEN REFUSED, not authoritative: the server resolves nothing else, so nothing leaks to the host's DNS"""
    response = ask(server, name)
    assert response.rcode() == dns.rcode.REFUSED
    assert not response.flags & dns.flags.AA
    assert not response.answer


def test_at_most_eight_addresses_per_answer_as_route53_multivalue(server: LocalDnsServer):
    """GIVEN a name with twelve task addresses
    WHEN asked twenty times
    THEN each answer holds eight distinct ones of them, and the answers do not all pick the same eight"""
    answers = [addresses(ask(server, "many.shop.local")) for _ in range(20)]
    assert all(len(a) == 8 == len(set(a)) and set(a) <= set(MANY) for a in answers)
    assert len({frozenset(a) for a in answers}) > 1


def test_a_udp_answer_over_512_bytes_is_truncated_and_complete_over_tcp():
    """GIVEN no answer limit and sixty addresses for one name (more than 512 bytes of answer)
    WHEN asked over UDP, then as a resolver does on TC, over TCP
    THEN UDP says truncated with no records, and TCP returns all sixty"""
    many = [f"10.1.{n // 200}.{n % 200 + 1}" for n in range(60)]
    with LocalDnsServer(
        ZONE, {"big.shop.local": many}, host=random_block().host(53), max_answers=None
    ) as big:
        udp = ask(big, "big.shop.local")
        assert udp.flags & dns.flags.TC and not udp.answer
        assert sorted(addresses(ask(big, "big.shop.local", tcp=True))) == sorted(many)


def test_several_queries_on_one_tcp_connection(server: LocalDnsServer):
    """GIVEN one TCP connection
    WHEN two length-prefixed queries are sent back to back
    THEN two answers come back on it, in order"""
    queries = [dns.message.make_query(n, "A") for n in ("products-v1.shop.local", "a.deep.shop.local")]
    with socket.create_connection(server.address, timeout=3) as conn:
        conn.sendall(b"".join(struct.pack("!H", len(w)) + w for w in (q.to_wire() for q in queries)))
        reader = conn.makefile("rb")
        responses = [
            dns.message.from_wire(reader.read(struct.unpack("!H", reader.read(2))[0])) for _ in queries
        ]
    assert [r.id for r in responses] == [q.id for q in queries]
    assert addresses(responses[1]) == ["10.0.4.1"]


def test_records_can_be_replaced_while_serving():
    """GIVEN a running server
    WHEN a task stops (set_records without its address) and a bad update is attempted
    THEN the next answer lacks the address, and the bad update is refused whole, naming each bad entry"""
    with LocalDnsServer(ZONE, {"products-v1.shop.local": PRODUCTS}, host=random_block().host(53)) as live:
        live.set_records({"products-v1.shop.local": PRODUCTS[1:]})
        assert addresses(ask(live, "products-v1.shop.local")) == PRODUCTS[1:]
        with pytest.raises(ValueError) as bad:
            live.set_records({"prices-v1.example.com": ["10.0.0.1"], "prices-v2.shop.local": ["10.0.0.300"]})
        assert "records['prices-v1.example.com']" in str(bad.value)
        assert "records['prices-v2.shop.local']" in str(bad.value)
        assert addresses(ask(live, "products-v1.shop.local")) == PRODUCTS[1:]
        assert ask(live, "prices-v2.shop.local").rcode() == dns.rcode.NXDOMAIN


def test_every_question_is_logged(server: LocalDnsServer):
    before = len(server.queries("a.deep.shop.local"))
    ask(server, "A.Deep.Shop.Local.", "AAAA", tcp=True)
    log = server.queries("a.deep.shop.local")
    assert len(log) == before + 1
    assert (log[-1].qtype, log[-1].transport) == (dns.rdatatype.AAAA, "tcp")


def test_stop_releases_both_sockets():
    """GIVEN a started server
    WHEN stopped (twice)
    THEN its UDP and TCP ports can be bound again, and asking for its address says it is not running"""
    live = LocalDnsServer(ZONE, {}, host=random_block().host(53)).start()
    host, port = live.address
    live.stop()
    live.stop()
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as sock:
            sock.bind((host, port))
    with pytest.raises(RuntimeError, match="not started"):
        _ = live.address


@pytest.mark.parametrize(
    ("records", "fragments"),
    [
        ({"web.other.local": ["10.0.0.1"]}, ["records['web.other.local']", "not a name inside the zone"]),
        ({"shop.local": ["10.0.0.1"]}, ["records['shop.local']"]),
        ({"web.shop.local": ["fe80::1"]}, ["records['web.shop.local']"]),
        ({"we b..shop.local": ["10.0.0.1"]}, ["records['we b..shop.local']", "not a DNS name"]),
    ],
    ids=["outside", "apex", "ipv6", "empty-label"],
)
def test_bad_records_are_refused_with_their_name(records: dict[str, list[str]], fragments: list[str]):
    with pytest.raises(ValueError) as bad:
        Zone.build(ZONE, records, ttl=5)
    assert all(f in str(bad.value) for f in fragments), str(bad.value)


# Messages a client library will not send, checked on the answering function itself.
ZONE_SNAPSHOT = Zone.build(ZONE, {"web.shop.local": ["10.0.0.1"]}, ttl=5)
QUESTION = dns.message.make_query("web.shop.local", "A").to_wire()


def rcode_of(message: bytes) -> int:
    return struct.unpack("!H", message[2:4])[0] & 0xF


def with_header(query: bytes, flags: int | None = None, qdcount: int | None = None) -> bytes:
    ident, old_flags, old_qd = struct.unpack("!HHH", query[:6])
    header = struct.pack(
        "!HHH", ident, old_flags if flags is None else flags, old_qd if qdcount is None else qdcount
    )
    return header + query[6:]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (QUESTION, dns.rcode.NOERROR),
        (with_header(QUESTION, flags=0x1000), dns.rcode.NOTIMP),  # opcode 2 (STATUS)
        (with_header(QUESTION, qdcount=2), dns.rcode.FORMERR),
        (with_header(QUESTION, qdcount=0), dns.rcode.FORMERR),
        (QUESTION[:12] + b"\xc0\x0c\x00\x01\x00\x01", dns.rcode.FORMERR),  # a pointer in the question
        (QUESTION[:20], dns.rcode.FORMERR),  # cut inside the name
        (QUESTION[:-3], dns.rcode.FORMERR),  # cut inside the type and class
    ],
    ids=["well-formed", "not-a-query", "two-questions", "no-question", "pointer", "cut-name", "cut-type"],
)
def test_malformed_messages_get_the_matching_error(message: bytes, expected: int):
    response = answer(message, ZONE_SNAPSHOT)
    assert response is not None and response[:2] == message[:2]  # same id
    assert rcode_of(response) == expected


@pytest.mark.parametrize(
    "message", [b"\x12\x34\x01", with_header(QUESTION, flags=0x8000)], ids=["no-header", "a-response"]
)
def test_what_is_not_a_query_gets_no_answer(message: bytes):
    assert answer(message, ZONE_SNAPSHOT) is None
