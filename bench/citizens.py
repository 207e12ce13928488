"""Simulated citizens: realistic WhatsApp conversations played against a running Sevadwar.

The driver runs in one asyncio process with the fake Graph API served on the same event loop, so
the time a citizen POSTs a signed webhook and the time the fake accepts the reply are read from
the same clock. Each citizen follows a journey (greeting → language → consent → service by text →
questions → submit → status), waits for all the replies of a turn, thinks a little, and answers.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from bench.common import APP_SECRET
from sevadwar.channels.whatsapp.signature import sign
from sevadwar.fakes import whatsapp_payloads as wp
from sevadwar.fakes.graph_api import create_app as create_fake_app
from sevadwar.fakes.graph_state import FakeConfig, FakeGraph, SentMessage
from sevadwar.fakes.graph_validate import ReadRequest, SendRequest

# --------------------------------------------------------------------------- journeys


@dataclass(frozen=True)
class Step:
    text: str  # what the citizen types, or the title of the button/row they tap
    tap: bool = False


def say(text: str) -> Step:
    return Step(text)


def tap(title: str) -> Step:
    return Step(title, tap=True)


@dataclass(frozen=True)
class Journey:
    name: str
    steps: tuple[Step, ...]


JOURNEYS: tuple[Journey, ...] = (
    Journey(
        "water bill in English, to submit and status",
        (
            say("Hello"),
            tap("English"),
            tap("I agree"),
            say("I want to pay my water bill"),
            tap("Pay now"),
            say("3124561234"),
            say("1250"),
            tap("Submit"),
            say("status"),
        ),
    ),
    Journey(
        "birth certificate in Hindi, the form up to the documents",
        (
            say("नमस्ते"),
            tap("हिन्दी"),
            tap("मैं सहमत हूँ"),
            say("बच्चे का जन्म प्रमाण पत्र बनवाना है"),
            tap("आवेदन करें"),
            say("१५ नवंबर २०२६"),
            tap("महिला (लड़की)"),
            say("छोड़ें"),
            say("राकेश कुमार"),
            say("सुनीता देवी"),
            tap("अस्पताल"),
            say("लोक नायक अस्पताल, दरियागंज"),
            say("मकान 12, गली 4, लक्ष्मी नगर"),
            say("पूर्वी दिल्ली"),
            say("110092"),
            tap("पिता"),
            say("2345 6789 0124"),
            say("छोड़ें"),
        ),
    ),
    Journey(
        "income certificate in English, the form up to the documents",
        (
            say("Hello, I need an income certificate"),
            tap("English"),
            tap("I agree"),
            tap("Apply now"),
            say("Ravi Kumar Sharma"),
            say("Mohan Lal Sharma"),
            say("1"),
            say("12-3-90"),
            say("private job"),
            say("Acme Traders Pvt Ltd"),
            say("4"),
            say("Rs 1,20,000"),
            say("3"),
            say("1"),
            say("House 12, Street 4, Laxmi Nagar"),
            say("110092"),
            say("2"),
            say("2345 6789 0124"),
            say("skip"),
        ),
    ),
    Journey(
        "water bill in Hinglish and Hindi, to submit and status",
        (
            say("namaste ji"),
            tap("हिन्दी"),
            tap("मैं सहमत हूँ"),
            say("pani ka bill bharna hai"),
            tap("भुगतान करें"),
            say("3124561234"),
            say("800"),
            tap("जमा करें"),
            say("mera status"),
        ),
    ),
)


@dataclass(frozen=True)
class PlannedStep:
    """A journey step as calibrated: the reply id a tap sends, and how many sends answer it."""

    step: Step
    reply: tuple[str, str] | None  # ("button" | "list", id) for taps
    sends: int


# --------------------------------------------------------------------------- the fake, observed


@dataclass
class Waiter:
    expected: int
    first: float | None = None
    last: float | None = None
    got: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    bodies: list[dict[str, Any]] = field(default_factory=list)


class ObservedFake(FakeGraph):
    """The fake Graph API, telling each waiting citizen when a message to them is accepted."""

    def __init__(self, config: FakeConfig) -> None:
        super().__init__(config)
        self.waiters: dict[str, Waiter] = {}
        self.accepted_at: dict[str, float] = {}  # wamid → perf_counter time

    def reset(self) -> None:
        super().reset()
        self.waiters = {}
        self.accepted_at = {}

    def accept_send(self, body: dict[str, Any], request: SendRequest) -> dict[str, Any]:
        answer = super().accept_send(body, request)
        now = time.perf_counter()
        sent: SentMessage = self.sent[-1]
        self.accepted_at[sent.wamid] = now
        waiter = self.waiters.get(sent.user.key)
        if waiter is not None:
            waiter.got += 1
            waiter.bodies.append(body)
            if waiter.first is None:
                waiter.first = now
            waiter.last = now
            if waiter.got >= waiter.expected:
                waiter.done.set()
        return answer

    def accept_read(self, request: ReadRequest) -> dict[str, Any]:
        return super().accept_read(request)


async def serve_fake(fake: FakeGraph, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    """Serve the fake on 127.0.0.1:``port`` on the running event loop."""
    config = uvicorn.Config(
        create_fake_app(fake),
        host="127.0.0.1",
        port=port,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="on",
        http="httptools",
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.get_running_loop().create_task(server.serve())
    deadline = time.monotonic() + 20
    while not server.started:
        if task.done() or time.monotonic() > deadline:
            raise RuntimeError("the fake Graph API did not start")
        await asyncio.sleep(0.02)
    return server, task


# --------------------------------------------------------------------------- HTTP client


class Http:
    """A small keep-alive HTTP/1.1 client for loopback POSTs (cheaper than a general client)."""

    def __init__(self, hosts: Sequence[tuple[str, int]], *, size: int = 64) -> None:
        self._hosts = list(hosts)
        self._round = itertools.cycle(range(len(self._hosts)))
        self._idle: list[list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = [
            [] for _ in self._hosts
        ]
        self._slots = asyncio.Semaphore(size * len(self._hosts))

    async def post(
        self, path: str, body: bytes, headers: dict[str, str], *, host: int | None = None
    ) -> int:
        index = next(self._round) if host is None else host
        async with self._slots:
            for attempt in range(2):
                reader, writer = await self._connection(index)
                try:
                    status = await self._exchange(reader, writer, index, path, body, headers)
                except (ConnectionError, asyncio.IncompleteReadError):
                    writer.close()
                    if attempt:
                        raise
                    continue
                self._idle[index].append((reader, writer))
                return status
        raise RuntimeError("unreachable")

    async def _connection(self, index: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._idle[index]:
            return self._idle[index].pop()
        host, port = self._hosts[index]
        return await asyncio.open_connection(host, port)

    async def _exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        index: int,
        path: str,
        body: bytes,
        headers: dict[str, str],
    ) -> int:
        host, port = self._hosts[index]
        head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode("latin-1") + body)
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length:
            await reader.readexactly(length)
        return status

    def close(self) -> None:
        for idle in self._idle:
            for _, writer in idle:
                writer.close()
            idle.clear()


# --------------------------------------------------------------------------- citizens


@dataclass
class Turn:
    journey: int
    step: int
    posted: float
    acked: float
    first: float | None
    last: float | None
    status: int
    completed: bool


@dataclass
class Identity:
    wa_id: str
    user_id: str

    @property
    def user(self) -> wp.WaUser:
        return wp.WaUser(wa_id=self.wa_id, user_id=self.user_id, name="Bench Citizen")


def identities(prefix: int) -> Callable[[], Identity]:
    counter = itertools.count(1)

    def next_identity() -> Identity:
        n = next(counter)
        return Identity(wa_id=f"91{prefix:02d}{n:08d}", user_id=f"IN.{prefix:02d}{n:018d}")

    return next_identity


def webhook(
    identity: Identity, step: Step, reply: tuple[str, str] | None
) -> tuple[bytes, dict[str, str]]:
    """The signed webhook body for one step (signing here costs microseconds)."""
    user = identity.user
    if reply is None:
        message = wp.text_message(user, step.text)
    elif reply[0] == "button":
        message = wp.button_reply_message(user, reply[1], step.text)
    else:
        message = wp.list_reply_message(user, reply[1], step.text)
    body = wp.encode(wp.inbound_webhook(user, message))
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)}
    return body, headers


def find_reply(bodies: Sequence[dict[str, Any]], title: str) -> tuple[str, str]:
    """The id of the button or list row titled ``title`` in the last replies."""
    for body in reversed(bodies):
        action = body.get("interactive", {}).get("action", {})
        for button in action.get("buttons", []):
            if button["reply"]["title"] == title:
                return "button", str(button["reply"]["id"])
        for section in action.get("sections", []):
            for row in section["rows"]:
                if row["title"] == title:
                    return "list", str(row["id"])
    raise LookupError(f"no choice {title!r} in the replies")


@dataclass
class Crowd:
    """Citizens playing journeys against the app until ``stop`` is set."""

    fake: ObservedFake
    http: Http
    plans: Sequence[Sequence[PlannedStep]]
    next_identity: Callable[[], Identity]
    think: tuple[float, float] = (0.5, 1.5)
    turn_timeout: float = 15.0
    turns: list[Turn] = field(default_factory=list)
    started_identities: list[Identity] = field(default_factory=list)
    abandoned: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def citizen(self, number: int, delay: float) -> None:
        rng = random.Random(number)
        await asyncio.sleep(delay)
        journey = number % len(self.plans)
        while not self.stop.is_set():
            identity = self.next_identity()
            self.fake.user(wa_id=identity.wa_id, user_id=identity.user_id, name="Bench Citizen")
            self.started_identities.append(identity)
            for index, planned in enumerate(self.plans[journey]):
                if self.stop.is_set():
                    return
                turn = await self.play(identity, journey, index, planned)
                self.turns.append(turn)
                if not turn.completed:
                    self.abandoned += 1
                    break
                await asyncio.sleep(rng.uniform(*self.think))
            journey = (journey + 1) % len(self.plans)

    async def play(
        self, identity: Identity, journey: int, index: int, planned: PlannedStep
    ) -> Turn:
        body, headers = webhook(identity, planned.step, planned.reply)
        waiter = Waiter(expected=planned.sends)
        self.fake.waiters[identity.user_id] = waiter
        posted = time.perf_counter()
        status = await self.http.post("/webhooks/whatsapp", body, headers)
        acked = time.perf_counter()
        completed = status == 200
        if completed:
            try:
                await asyncio.wait_for(waiter.done.wait(), self.turn_timeout)
            except TimeoutError:
                completed = False
        self.fake.waiters.pop(identity.user_id, None)
        return Turn(journey, index, posted, acked, waiter.first, waiter.last, status, completed)


async def calibrate(
    fake: ObservedFake,
    http: Http,
    quiet: Callable[[str], bool],
    next_identity: Callable[[], Identity],
    journeys: Sequence[Journey] = JOURNEYS,
    *,
    timeout: float = 30.0,
) -> list[list[PlannedStep]]:
    """Play each journey once, slowly, recording the replies' count and the tapped ids.

    ``quiet(citizen_key)`` answers whether the app has nothing pending for that citizen.
    """

    async def one(journey: Journey) -> list[PlannedStep]:
        identity = next_identity()
        fake.user(wa_id=identity.wa_id, user_id=identity.user_id, name="Bench Citizen")
        plan: list[PlannedStep] = []
        last: list[dict[str, Any]] = []
        for step in journey.steps:
            reply = find_reply(last, step.text) if step.tap else None
            waiter = Waiter(expected=10**9)
            fake.waiters[identity.user_id] = waiter
            body, headers = webhook(identity, step, reply)
            status = await http.post("/webhooks/whatsapp", body, headers)
            if status != 200:
                raise RuntimeError(f"calibration POST answered {status}")
            deadline = time.monotonic() + timeout
            await asyncio.sleep(0.05)
            while not (waiter.got and await asyncio.to_thread(quiet, identity.user_id)):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no reply to {step.text!r} in {journey.name}")
                await asyncio.sleep(0.05)
            fake.waiters.pop(identity.user_id, None)
            plan.append(PlannedStep(step, reply, waiter.got))
            last = waiter.bodies
        return plan

    return list(await asyncio.gather(*(one(j) for j in journeys)))
