# SPDX-License-Identifier: ISC
# completion/porthole.bash - bash completion for porthole(1): the
# subcommands, their options (as `porthole COMMAND --help` lists them),
# SPEC kinds for run and check, user names for -U, --server-user, -u and
# --user, group names for listen -G, and after `--` the program and its
# own completion.  Installed as
# $(PREFIX)/share/bash-completion/completions/porthole.

_porthole_spec()
{
	# SPEC kinds; after the kind, the common well-known forms.
	case $1 in
	raw:*)	COMPREPLY=($(compgen -W 'raw:icmp raw:' -- "$1")) ;;
	raw6:*)	COMPREPLY=($(compgen -W 'raw6:icmpv6 raw6:' -- "$1")) ;;
	packet:*)
		COMPREPLY=($(compgen -P packet: -W "$(command ls /sys/class/net \
		    2>/dev/null)" -- "${1#packet:}")) ;;
	*)	COMPREPLY=($(compgen -W 'tcp: udp: raw: raw6: packet:' -- "$1")) ;;
	esac
	compopt -o nospace 2>/dev/null
}

_porthole()
{
	local cur prev words cword cmd i
	# SPECs hold colons, which bash splits words at (COMP_WORDBREAKS):
	# take whole words, and give back replies without what comes
	# before the last colon, as bash-completion's
	# __ltrim_colon_completions does.
	if declare -F _init_completion >/dev/null; then
		_init_completion -n : || return
	else
		cur=${COMP_LINE:0:COMP_POINT}
		cur=${cur##*[[:space:]]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		[[ $prev == : ]] && prev=${COMP_WORDS[COMP_CWORD - 2]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	# The subcommand, and whether `--` came before the cursor: after it
	# the words are a program and its arguments.
	cmd=
	for ((i = 1; i < cword; i++)); do
		if [[ -z $cmd ]]; then
			[[ ${words[i]} == -* ]] || cmd=${words[i]}
		elif [[ ${words[i]} == -- ]] ||
		    [[ $cmd == exec && ${words[i]} != -* ]]; then
			# exec: the first word that is not an option is
			# the program.
			[[ ${words[i]} == -- ]] || ((i--))
			if declare -F _command_offset >/dev/null; then
				_command_offset $((i + 1))
			else
				COMPREPLY=($(compgen -c -- "$cur"))
			fi
			return
		fi
	done

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W 'mkpath run exec listen connect audit
		    check status --help --version' -- "$cur"))
		return
	fi

	# Option arguments.
	case $cmd:$prev in
	listen:-U | connect:-U | connect:--server-user | check:-u | check:--user)
		COMPREPLY=($(compgen -u -- "$cur"))
		return ;;
	listen:-G)
		COMPREPLY=($(compgen -g -- "$cur"))
		return ;;
	listen:-p | check:-p | check:--policy | mkpath:-d | mkpath:--dir)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return ;;
	listen:-a | listen:-m | listen:-c | listen:-C | listen:-t | \
	run:-b | run:--backlog)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		case $cmd in
		mkpath)	COMPREPLY=($(compgen -W '-d --dir -p --portable -h
			    --help' -- "$cur")) ;;
		run)	COMPREPLY=($(compgen -W '-b --backlog -h --help --' \
			    -- "$cur")) ;;
		exec)	COMPREPLY=($(compgen -W '--no-inherit -h --help --' \
			    -- "$cur")) ;;
		listen)	COMPREPLY=($(compgen -W '-p -a -m -U -G -c -C -t -h
			    --help --' -- "$cur")) ;;
		connect) COMPREPLY=($(compgen -W '-U --server-user -h --help
			    --' -- "$cur")) ;;
		audit | status)
			COMPREPLY=($(compgen -W '-j --json -h --help' \
			    -- "$cur")) ;;
		check)	COMPREPLY=($(compgen -W '-u --user -p --policy -h
			    --help' -- "$cur")) ;;
		esac
		return
	fi

	case $cmd in
	run | check)
		_porthole_spec "$cur"
		if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
			local colon=${cur%"${cur##*:}"}
			COMPREPLY=("${COMPREPLY[@]#"$colon"}")
		fi ;;
	exec)
		COMPREPLY=($(compgen -c -- "$cur")) ;;
	connect | audit)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null ;;
	esac
}
complete -F _porthole porthole
