"""oktasim: an in-memory simulator of Okta's Users API for development, tests and benchmarks."""

from oktasim.simulator import RunningSimulator, Simulator, SimulatorOptions

__all__ = ["RunningSimulator", "Simulator", "SimulatorOptions"]
