"""A real sshd on 127.0.0.1 with its own configuration, host key and PAM service name.

sshd names its PAM service after the program, so a symlink called `sshd-lockwarden-test`
selects /etc/pam.d/sshd-lockwarden-test; the machine's own /etc/pam.d/sshd is never touched.
"""
import os
import socket
import subprocess
import time

SERVICE = "sshd-lockwarden-test"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SshServer:
    def __init__(self, base, stack, extra_config=""):
        self.base = base
        self.port = free_port()
        self.pam_file = f"/etc/pam.d/{SERVICE}"
        with open(self.pam_file, "w") as handle:
            handle.write(stack)
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        key = os.path.join(base, "host_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        config = os.path.join(base, "sshd_config")
        with open(config, "w") as handle:
            handle.write(
                f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {key}\n"
                f"PidFile {os.path.join(base, 'sshd.pid')}\nUsePAM yes\nKbdInteractiveAuthentication yes\n"
                "PasswordAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin no\nStrictModes no\n"
                "AuthenticationMethods keyboard-interactive publickey\nLogLevel VERBOSE\nMaxAuthTries 20\n"
                "PrintMotd no\nPrintLastLog no\n" + extra_config)
        program = os.path.join(base, SERVICE)
        os.symlink("/usr/sbin/sshd", program)
        self.log = open(os.path.join(base, "sshd.log"), "w")
        self.process = subprocess.Popen([program, "-D", "-e", "-f", config], stdout=self.log,
                                        stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("sshd did not start: " + open(os.path.join(base, "sshd.log")).read())

    def ssh_command(self, user, command="echo LOGGED-IN-OK", key=None):
        options = ["-p", str(self.port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                   "-o", "LogLevel=ERROR", "-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=10"]
        if key:
            options += ["-i", key, "-o", "PreferredAuthentications=publickey", "-o", "IdentitiesOnly=yes",
                        "-o", "BatchMode=yes"]
        else:
            options += ["-o", "PreferredAuthentications=keyboard-interactive", "-o", "PubkeyAuthentication=no"]
        return ["ssh", *options, f"{user}@127.0.0.1", command]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        if os.path.exists(self.pam_file):
            os.unlink(self.pam_file)
