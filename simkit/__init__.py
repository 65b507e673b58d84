"""simkit: what the repository's HTTP simulators (oktasim, legacyapp and the tests' Peopledir)
share: the threading HTTP transport, fault injection, the command line and the running-server
handle. Development and tests only; never deployed."""
