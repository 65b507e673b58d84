"""oktasim: an in-memory simulator of Okta's Users, Groups and Schemas APIs for development, tests
and benchmarks."""

from oktasim.simulator import RunningSimulator, Simulator, SimulatorOptions

__all__ = ["RunningSimulator", "Simulator", "SimulatorOptions"]
