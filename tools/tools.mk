# `make run`: boot vmgate on its default configuration (tools/vmgate-run --help).
# RUN_ARGS passes options through, e.g. make run RUN_ARGS="--wan-tap tap0 --lans 2";
# make run RUN_ARGS="--tftp DIR" serves DIR live from the host as the boot-file root.
run: all
	tools/vmgate-run $(RUN_ARGS)
