# tests/lib/postfix.sh - private Postfix instances for end-to-end tests
# (sourced after env.sh; run as root).
#
#   pf_new DIR PORT HOSTNAME   config, queue and data directories under
#                              DIR, an SMTP listener on 127.0.0.1:PORT;
#                              more main.cf lines on standard input
#   pf_start DIR / pf_stop_all / pf_reload DIR
#   pf_set DIR 'name = value'  changes main.cf
#   pf_wait_empty DIR [S]      waits until the queue of DIR is empty
#   pf_queue_count DIR         messages in the queue
PF_STARTED=""

pf_new() { # DIR PORT HOSTNAME  (extra main.cf lines on stdin)
	mkdir -p "$1/queue" "$1/data"
	chown postfix "$1/data"
	cat >"$1/main.cf" <<MAINCF
compatibility_level = 3.6
queue_directory = $1/queue
data_directory = $1/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $1/maillog
maillog_file_prefixes = /tmp
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = $3
mydomain = test.example
myorigin = \$myhostname
mydestination =
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps =
alias_database =
biff = no
smtputf8_enable = no
smtpd_recipient_restrictions = permit_mynetworks, reject
always_add_missing_headers = yes
delay_warning_time = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
MAINCF
	cat >>"$1/main.cf"
	cat >"$1/master.cf" <<MASTERCF
127.0.0.1:$2 inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
MASTERCF
}

pf_start() {
	postfix -c "$1" start >"$1/start.out" 2>&1 || {
		cat "$1/start.out" "$1/maillog" 2>/dev/null | sed 's/^/# /'
		return 1
	}
	PF_STARTED="$PF_STARTED $1"
}

pf_stop_all() {
	for _d in $PF_STARTED; do
		postfix -c "$_d" stop >/dev/null 2>&1
	done
	sleep 1
	for _d in $PF_STARTED; do
		postfix -c "$_d" abort >/dev/null 2>&1
	done
	PF_STARTED=""
}

pf_reload() {
	postfix -c "$1" reload >/dev/null 2>&1
}

pf_set() {
	postconf -c "$1" -e "$2"
}

pf_queue_count() {
	find "$1/queue/incoming" "$1/queue/active" "$1/queue/deferred" \
		"$1/queue/maildrop" -type f 2>/dev/null | wc -l
}

pf_wait_empty() { # DIR [SECONDS]
	_i=0
	_max=$(( ${2:-30} * 5 ))
	while [ "$(pf_queue_count "$1")" -ne 0 ]; do
		_i=$((_i + 1))
		[ $_i -ge $_max ] && return 1
		sleep 0.2
	done
	return 0
}
