# The two commands of the README. The work is in .ci/*.sh.
.PHONY: run test
run:
	.ci/run-console.sh
test:
	.ci/test.sh
