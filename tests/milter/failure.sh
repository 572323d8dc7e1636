# tests/milter/failure.sh - sourced by milter.test.sh: the end-of-message
# chain fails (fixtures/failshim.c makes PCRE2 match data allocation fail
# while a trigger file exists) under on_error tempfail and accept.
cc -shared -fPIC -O1 -o "$T/failshim.so" "$TOP/tests/milter/fixtures/failshim.c" -ldl
ok_if "fault injector built" test -f "$T/failshim.so"
for mode in tempfail accept; do
	{
		cat "$CONF"
		echo "milter:"
		echo "  on_error: $mode"
	} >"$T/fail-$mode.yaml"
	chmod 0644 "$T/fail-$mode.yaml"
	FPORT=$(tl_port)
	rm -f "$T/fail.trigger"
	# Under ASan (make asan) the preload must be allowed to come first.
	TL_MILTER_ENV="TRIAGE_FAIL_TRIGGER=$T/fail.trigger LD_PRELOAD=$T/failshim.so
	    ASAN_OPTIONS=verify_asan_link_order=0:${ASAN_OPTIONS:-}"
	tl_start_milter "$T/fail-$mode.yaml" "$FPORT" "$T/fail-$mode.log"
	touch "$T/fail.trigger"
	miltertest -D "SOCKET=inet:$FPORT@127.0.0.1" -D "WORK=$W" \
		-D "HELPER=$TOP/tests/milter/helper.lua" \
		-s "$TOP/tests/milter/failure/$mode.lua" >"$T/fail.out" 2>&1
	frc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) _tap_line 0 "failure/$mode: ${line#ok * - }" ;;
		"not ok "*) _tap_line 1 "failure/$mode: ${line#not ok * - }" ;;
		*) note "failure/$mode: $line" ;;
		esac
	done <"$T/fail.out"
	is "failure/$mode: miltertest exit status" "$frc" 0
	ok_if "failure/$mode: one log line gives the reason and the result" \
		grep -q "error=\"pipeline failed\" result=$( [ $mode = accept ] && echo accept-without-headers || echo tempfail)" \
		"$T/fail-$mode.log"
	rm -f "$T/fail.trigger"
	tl_stop_milter
	TL_MILTER_ENV=""
done
