# shellcheck shell=bash
# scripts/node-env.sh: put a suitable Node.js first on PATH.
#
# SOURCE this file, do not execute it:
#     . scripts/node-env.sh
#
# The toolchain (ava 8, MikroORM 7) needs Node `^22.20 || ^24.12 || >=26`.
#   - If the `node` already on PATH satisfies that, it is used as is.
#   - Otherwise Node 24 is installed (once) into <project root>/.tools from the npm
#     registry, using whatever `npm` is on PATH (the system's Node 20 npm is fine),
#     and <root>/.tools/node_modules/.bin is prepended to PATH and exported.
#     `npm` then runs under that Node 24 too (its shebang is `#!/usr/bin/env node`).
#
# Works from any working directory: the project root is derived from this file's
# location. Messages go to stderr so callers can keep stdout clean.
#
# Deliberately does NOT `set -euo pipefail`: being sourced, that would change the
# options of the caller's shell (and could kill an interactive shell). Instead every
# step is checked explicitly, and on failure this file `return`s 1, so a caller
# running under `set -e` stops right there:
#     . scripts/node-env.sh            # under set -e: aborts the caller on failure
#     . scripts/node-env.sh || exit 1  # explicit form

if [ -z "${BASH_VERSION:-}" ]; then
    echo "node-env.sh: error: this file must be sourced from bash" >&2
    return 1 2>/dev/null || exit 1
fi

# True if the given node binary's version satisfies ^22.20 || ^24.12 || >=26.
_errand_node_ok() {
    local v major rest minor
    v="$("$1" --version 2>/dev/null)" || return 1   # e.g. "v24.21.0"
    v="${v#v}"
    major="${v%%.*}"
    rest="${v#*.}"
    minor="${rest%%.*}"
    [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || return 1
    if ((major >= 26)); then return 0; fi
    if ((major == 24 && minor >= 12)); then return 0; fi
    if ((major == 22 && minor >= 20)); then return 0; fi
    return 1
}

_errand_node_env() {
    local me="node-env.sh"
    local root tools bin sys_node=""

    # Project root = parent of the directory holding this file (BASH_SOURCE inside
    # a function names the file that defined it, even when sourced).
    local src="${BASH_SOURCE[0]}"
    case "$src" in */*) ;; *) src="./$src" ;; esac
    root="$(cd "${src%/*}/.." && pwd -P)" || {
        echo "$me: error: cannot determine the project root" >&2
        return 1
    }
    tools="$root/.tools"
    bin="$tools/node_modules/.bin"

    # 1. The node already on PATH, if it is recent enough.
    #    (If .tools is already first on PATH this finds it too: idempotent.)
    if command -v node >/dev/null 2>&1; then
        sys_node="$(command -v node)"
        if _errand_node_ok "$sys_node"; then
            echo "$me: using node $("$sys_node" --version) ($sys_node)" >&2
            return 0
        fi
    fi

    # npm derives its default global config file (<prefix>/etc/npmrc, e.g. the
    # machine's /usr/etc/npmrc with a `cafile` for a TLS-intercepting proxy) from the
    # running node's location and from --prefix. Once npm runs under .tools' node, or
    # with `--prefix .tools`, it would silently look in .tools/.../etc/npmrc instead.
    # Pin the system npm's global config so registry settings keep applying.
    if [ -z "${npm_config_globalconfig:-}" ] && command -v npm >/dev/null 2>&1; then
        local gc
        gc="$(npm config get globalconfig 2>/dev/null)" || gc=""
        if [ -n "$gc" ] && [ -f "$gc" ]; then
            export npm_config_globalconfig="$gc"
        fi
    fi

    # 2. The project-local Node 24 in .tools; install it if missing or unusable.
    if ! _errand_node_ok "$bin/node"; then
        if ! command -v npm >/dev/null 2>&1 || [ -z "$sys_node" ]; then
            echo "$me: error: no usable node/npm on PATH. Install Node.js with npm (any" \
                "version, e.g. 'apt-get install -y nodejs npm') first; a suitable Node 24" \
                "is then installed into $tools automatically." >&2
            return 1
        fi
        echo "$me: ${sys_node:+$sys_node is $("$sys_node" --version 2>/dev/null), }need" \
            "^22.20 || ^24.12 || >=26; installing node@24 into $tools ..." >&2
        mkdir -p "$tools" || return 1
        # The `node` package must be allowed to run its install script (it fetches
        # the platform binary package). Keep an existing package.json: it records
        # the installed dependency.
        if [ ! -f "$tools/package.json" ]; then
            echo '{"private":true,"allowScripts":{"node":true}}' >"$tools/package.json" || return 1
        fi
        # Subshell + cd: npm must not pick up a project .npmrc from the caller's cwd.
        # npm's progress/summary goes to stderr to keep the caller's stdout clean.
        if ! (cd "$tools" && npm install --prefix "$tools" --no-audit --no-fund --no-update-notifier node@24) >&2; then
            echo "$me: error: 'npm install --prefix $tools node@24' failed" >&2
            return 1
        fi
        if ! _errand_node_ok "$bin/node"; then
            echo "$me: error: $bin/node is missing or not a suitable version after install" >&2
            return 1
        fi
    fi

    # Prepend (once) and export; forget bash's cached location of `node`.
    case ":$PATH:" in
        *":$bin:"*) ;;
        *) PATH="$bin:$PATH" ;;
    esac
    export PATH
    hash -r

    if ! command -v npm >/dev/null 2>&1; then
        echo "$me: error: npm not found on PATH; install npm (any version) first" >&2
        return 1
    fi
    echo "$me: using node $("$bin/node" --version) ($bin/node)" >&2
    return 0
}

# Run it, clean up the helper functions, and propagate the result to the caller.
if _errand_node_env; then
    unset -f _errand_node_env _errand_node_ok
else
    unset -f _errand_node_env _errand_node_ok
    return 1 2>/dev/null || exit 1
fi
