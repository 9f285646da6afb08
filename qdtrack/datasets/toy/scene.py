"""Motion simulation of a toy sequence on the ground plane.

Agents (pedestrians, cars on two road lanes, cyclists) walk or drive in
world coordinates. Their motion is deliberately hard for a constant-velocity
Kalman filter: pedestrians stop, turn and make U-turns at random, and often
do so exactly while another object hides them; people who leave the image
may turn around outside it and come back a few frames later; cars brake.
Approaching or receding objects change size with depth.

The simulation only produces states (position, size, gait phase); drawing
is done by :mod:`.render`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .appearance import (
    Appearance,
    make_lookalike,
    sample_appearance,
    statue_appearance,
)
from .background import LANE_DEPTHS
from .camera import FAR_DEPTH, NEAR_DEPTH, Camera
from .shapes import BICYCLE, CAR, PEDESTRIAN

#: Frames per second of the toy sequences.
FPS = 10
#: Category sampling weights for new agents.
_CATEGORY_P = ((PEDESTRIAN, 0.72), (CAR, 0.13), (BICYCLE, 0.15))
#: Probability that a new identity imitates an earlier one of its category.
LOOKALIKE_P = 0.3
#: Probability that a pedestrian walks with the main flow of its sequence
#: (same-direction walkers overtake each other: long full occlusions).
FLOW_P = 0.75


@dataclass
class Agent:
    """One moving identity.

    Attributes:
        uid (int): 0-based spawn index in the sequence.
        category (int): ``PEDESTRIAN``, ``CAR`` or ``BICYCLE``.
        x (float): Lateral position (m).
        z (float): Depth (m).
        hx (float): Heading, lateral component (unit vector with ``hz``).
        hz (float): Heading, depth component.
        speed (float): Cruising speed (m per frame).
        size_w (float): Width (m).
        size_h (float): Height (m).
        appearance (Appearance): What it looks like.
        lookalike_of (int): ``uid`` of the imitated agent, -1 if none.
        returns_left (int): How many more times it may come back after
            leaving the image.
        stop_left (int): Frames it keeps standing still.
        turn_back_in (int): Frames until it turns back while outside the
            image; -1 when no return is planned.
        phase (float): Gait / pedalling phase (rad).
        alive (bool): False once it has left for good.
        reacted (bool): Already manoeuvred during the current occlusion.
    """

    uid: int
    category: int
    x: float
    z: float
    hx: float
    hz: float
    speed: float
    size_w: float
    size_h: float
    appearance: Appearance
    lookalike_of: int = -1
    returns_left: int = 0
    stop_left: int = 0
    turn_back_in: int = -1
    phase: float = 0.0
    alive: bool = True
    reacted: bool = False


@dataclass(frozen=True)
class ObjectState:
    """An agent (or the statue) in one frame, before camera shake.

    Attributes:
        uid (int): Agent uid; -1 for the statue.
        category (int): Toy category id (the statue uses ``PEDESTRIAN``
            for its sprite).
        box (np.ndarray): Amodal box ``(x0, y0, w, h)`` in pixels, (4,).
        z (float): Depth (m), for painter's order.
        phase (float): Gait phase (rad).
        facing (int): 1 faces right, -1 faces left.
        appearance (Appearance): What it looks like.
    """

    uid: int
    category: int
    box: np.ndarray
    z: float
    phase: float
    facing: int
    appearance: Appearance


@dataclass
class SceneTrack:
    """The simulated sequence.

    Attributes:
        frames (list[list[ObjectState]]): Per frame, the agents' states.
        statue (ObjectState): The static person-shaped distractor.
        agents (list[Agent]): Every agent ever spawned, by uid.
        shake (np.ndarray): Integer camera shake ``(dx, dy)`` per frame,
            shape (T, 2).
    """

    frames: list = field(default_factory=list)
    statue: ObjectState = None
    agents: list = field(default_factory=list)
    shake: np.ndarray = None


def _overlap_fraction(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of box ``a`` covered by box ``b`` (xywh)."""
    ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    return float(ix * iy / max(a[2] * a[3], 1e-6))


class SceneSimulator:
    """Simulate the agents of one sequence.

    Args:
        rng (np.random.Generator): Random generator (the only source of
            randomness).
        camera (Camera): The sequence camera.
        target_agents (int): Number of agents the scene tries to keep.
        max_shake (int): Bound of the camera shake in pixels.
    """

    def __init__(self, rng: np.random.Generator, camera: Camera,
                 target_agents: int, max_shake: int):
        self.rng = rng
        self.camera = camera
        self.target = int(target_agents)
        self.max_shake = int(max_shake)
        self.agents = []
        self.flow = 1.0 if rng.random() < 0.5 else -1.0

    # ----------------------------------------------------------- spawning
    def _sample_category(self) -> int:
        cats = [c for c, _ in _CATEGORY_P]
        p = np.array([w for _, w in _CATEGORY_P])
        cars = [a for a in self.agents if a.alive and a.category == CAR]
        if len(cars) >= len(LANE_DEPTHS):
            p[cats.index(CAR)] = 0.0
        return cats[int(self.rng.choice(len(cats), p=p / p.sum()))]

    def _appearance(self, category: int) -> tuple:
        rng = self.rng
        same = [a for a in self.agents if a.category == category]
        if same and rng.random() < LOOKALIKE_P:
            src = same[int(rng.integers(len(same)))]
            return make_lookalike(rng, src.appearance), src.uid
        return sample_appearance(rng), -1

    def _free_lane(self) -> int:
        busy = {round(a.z, 3) for a in self.agents
                if a.alive and a.category == CAR}
        free = [i for i, z in enumerate(LANE_DEPTHS)
                if round(z, 3) not in busy]
        return free[int(self.rng.integers(len(free)))]

    def spawn(self, inside: bool) -> Agent:
        """Create a new agent, inside the view or just outside an edge.

        Args:
            inside (bool): Place it anywhere in the view (first frame)
                instead of entering from the left or right edge.

        Returns:
            Agent: The new agent (also appended to ``self.agents``).
        """
        rng, cam = self.rng, self.camera
        cat = self._sample_category()
        app, src = self._appearance(cat)
        if cat == CAR:
            lane = self._free_lane()
            z = LANE_DEPTHS[lane]
            direction = 1.0 if lane == 0 else -1.0
            hx, hz = direction, 0.0
            speed = rng.uniform(4.0, 7.0) / FPS
            size_h = rng.uniform(1.6, 2.0)
            size_w = rng.uniform(3.9, 4.6)
            returns = 0
        else:
            if cat == PEDESTRIAN:
                near = rng.random() < 0.5
                z = rng.uniform(NEAR_DEPTH + 0.3, 6.8) if near else \
                    rng.uniform(11.2, FAR_DEPTH)
                angle = rng.uniform(-0.6, 0.6)
                speed = rng.uniform(0.9, 1.7) / FPS
                size_h = rng.uniform(1.55, 1.95)
                size_w = 0.34 * size_h
                returns = 2
            else:
                z = rng.uniform(NEAR_DEPTH + 1.0, FAR_DEPTH - 1.0)
                angle = rng.uniform(-0.2, 0.2)
                speed = rng.uniform(2.5, 4.5) / FPS
                size_h = rng.uniform(1.65, 1.85)
                size_w = rng.uniform(1.6, 1.8)
                returns = 1
            if cat == PEDESTRIAN:
                with_flow = rng.random() < FLOW_P
                direction = self.flow if with_flow else -self.flow
            else:
                direction = 1.0 if rng.random() < 0.5 else -1.0
            hx, hz = direction * math.cos(angle), math.sin(angle)
        half = cam.half_view(z)
        if inside:
            x = rng.uniform(-0.9 * half, 0.9 * half)
        else:
            # enter from the edge the agent is heading away from
            x = -direction * (half + 0.5 * size_w + rng.uniform(0.0, 0.5))
        agent = Agent(uid=len(self.agents), category=cat, x=x, z=z, hx=hx,
                      hz=hz, speed=speed, size_w=size_w, size_h=size_h,
                      appearance=app, lookalike_of=src, returns_left=returns,
                      phase=rng.uniform(0, 2 * math.pi))
        self.agents.append(agent)
        return agent

    # ------------------------------------------------------------- motion
    def _box(self, a: Agent) -> np.ndarray:
        return self.camera.project(a.x, a.z, a.size_w, a.size_h)

    def _outside(self, a: Agent) -> int:
        """-1 / 1 when the box is fully left / right of the image, else 0.

        A margin of ``max_shake`` pixels keeps shaken boxes outside too.
        """
        box = self._box(a)
        if box[0] + box[2] < -self.max_shake:
            return -1
        if box[0] > self.camera.width + self.max_shake:
            return 1
        return 0

    def _turn(self, a: Agent, angle: float) -> None:
        c, s = math.cos(angle), math.sin(angle)
        a.hx, a.hz = c * a.hx - s * a.hz, s * a.hx + c * a.hz

    def _random_manoeuvre(self, a: Agent, strong: bool) -> None:
        """Stop, turn or U-turn (pedestrians and cyclists)."""
        rng = self.rng
        u = rng.random()
        if a.category == BICYCLE:
            if u < 0.5:
                a.stop_left = int(rng.integers(2, 6))
            else:
                self._turn(a, rng.uniform(-0.35, 0.35))
            return
        if u < 0.4:
            a.stop_left = int(rng.integers(3, 10 if strong else 13))
        elif u < 0.7 or not strong:
            self._turn(a, rng.choice([-1, 1]) * rng.uniform(0.5, 1.8))
        else:
            a.hx, a.hz = -a.hx, -a.hz

    def _occlusion(self, boxes: dict, static_box: np.ndarray) -> dict:
        """Fraction of each agent's box hidden by a nearer object."""
        out = {}
        alive = [a for a in self.agents if a.alive]
        for a in alive:
            cover = 0.0
            for b in alive:
                if b is not a and b.z < a.z:
                    cover = max(cover, _overlap_fraction(boxes[a.uid],
                                                         boxes[b.uid]))
            if self._statue_z < a.z:
                cover = max(cover, _overlap_fraction(boxes[a.uid],
                                                     static_box))
            out[a.uid] = cover
        return out

    def step(self, static_box: np.ndarray) -> None:
        """Advance every live agent by one frame."""
        rng = self.rng
        boxes = {a.uid: self._box(a) for a in self.agents if a.alive}
        cover = self._occlusion(boxes, static_box)
        for a in self.agents:
            if not a.alive:
                continue
            side = self._outside(a)
            moving_out = side != 0 and np.sign(a.hx) == side
            if moving_out:
                if a.turn_back_in > 0:
                    a.turn_back_in -= 1
                    if a.turn_back_in == 0:
                        a.hx, a.turn_back_in = -a.hx, -1
                elif a.returns_left > 0 and rng.random() < (
                        0.7 if a.category == PEDESTRIAN else 0.4):
                    a.returns_left -= 1
                    a.turn_back_in = int(rng.integers(2, 10))
                else:
                    a.alive = False
                    continue
            elif side == 0 and a.category != CAR:
                # sudden manoeuvres, most likely while hidden
                if cover[a.uid] > 0.6 and not a.reacted:
                    a.reacted = True
                    if rng.random() < 0.6:
                        self._random_manoeuvre(a, strong=True)
                elif cover[a.uid] < 0.2:
                    a.reacted = False
                if a.stop_left == 0 and rng.random() < 0.035:
                    self._random_manoeuvre(a, strong=False)
            elif side == 0 and a.stop_left == 0 and rng.random() < 0.012:
                a.stop_left = int(rng.integers(4, 12))  # a car brakes
            if a.stop_left > 0:
                a.stop_left -= 1
                continue
            step = a.speed * (1.0 + 0.08 * rng.standard_normal())
            a.x += step * a.hx
            a.z += step * a.hz
            if not NEAR_DEPTH + 0.2 <= a.z <= FAR_DEPTH:
                a.z = min(max(a.z, NEAR_DEPTH + 0.2), FAR_DEPTH)
                a.hz = -a.hz
            stride = 1.4 if a.category == PEDESTRIAN else 2.0
            a.phase = (a.phase + 2 * math.pi * step / stride) % (2 * math.pi)

    def state(self, a: Agent) -> ObjectState:
        facing = 1 if a.hx >= 0 else -1
        return ObjectState(a.uid, a.category, self._box(a), a.z, a.phase,
                           facing, a.appearance)

    # ---------------------------------------------------------------- run
    def _place_statue(self) -> ObjectState:
        rng, cam = self.rng, self.camera
        z = rng.uniform(5.0, 6.5) if rng.random() < 0.5 else \
            rng.uniform(11.5, 14.0)
        x = rng.uniform(-0.7, 0.7) * cam.half_view(z)
        size_h = rng.uniform(1.6, 1.8)
        self._statue_z = z
        box = cam.project(x, z, 0.34 * size_h, size_h)
        return ObjectState(-1, PEDESTRIAN, box, z, 0.0, 1,
                           statue_appearance(rng))

    def _shake(self, num_frames: int) -> np.ndarray:
        out = np.zeros((num_frames, 2), np.int64)
        s = np.zeros(2)
        for t in range(num_frames):
            s = np.clip(0.6 * s + 1.6 * self.rng.standard_normal(2),
                        -self.max_shake, self.max_shake)
            out[t] = np.round(s)
        return out

    def run(self, num_frames: int) -> SceneTrack:
        """Simulate ``num_frames`` frames.

        Args:
            num_frames (int): Sequence length.

        Returns:
            SceneTrack: States of every frame, the statue and the shake.
        """
        track = SceneTrack()
        track.statue = self._place_statue()
        for _ in range(self.target):
            self.spawn(inside=True)
        for _ in range(num_frames):
            track.frames.append(
                [self.state(a) for a in self.agents if a.alive])
            self.step(track.statue.box)
            live = sum(a.alive for a in self.agents)
            if live < self.target and self.rng.random() < 0.3:
                self.spawn(inside=False)
        track.agents = self.agents
        track.shake = self._shake(num_frames)
        return track
