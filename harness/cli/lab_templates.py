"""The files `oran-harness init DIR` writes: a lab folder's commented profile templates.

Why Python strings and not package data: the templates travel with the code in every install
(wheel, editable, tree), and a test loads each one with the strict profile loaders, so a
template that drifts from the schema fails the tests, not a new lab.
Addresses are documentation ranges (RFC 5737 192.0.2.0/24): replace them with the DUT's.
"""

from __future__ import annotations

README = """\
# Lab folder (written by `oran-harness init`)

One DUT profile per device under test and one lab profile per way this lab runs it
(docs/profiles.md). Edit the ones for your DUT's role, delete the others, then:

    oran-harness validate .                        # every profile and the project file, strictly
    oran-harness list --dut dut-near-rt-ric.yaml   # which test cases apply, and why the others do not
    oran-harness run --dut dut-near-rt-ric.yaml --lab lab-near-rt-ric.yaml

| role of the DUT | DUT profile | lab profile | where the DUT's address goes |
|---|---|---|---|
| E2 node (O-DU, O-CU) | dut-e2-node.yaml | lab-e2-node.yaml | nowhere: it connects to the lab's transport.listen |
| Near-RT RIC | dut-near-rt-ric.yaml | lab-near-rt-ric.yaml | DUT profile endpoints.e2 (and endpoints.a1) |
| Non-RT RIC | dut-non-rt-ric.yaml | lab-non-rt-ric.yaml | nowhere: it calls the harness (lab a1.callback) |
| O-RU (M-plane) | dut-o-ru.yaml | lab-o-ru.yaml | DUT profile endpoints.mplane |
| fronthaul (CU-plane capture) | dut-o-ru.yaml | lab-fronthaul.yaml | nowhere: checks a capture (`fronthaul check`) |

project.yaml names the project for the reports (`oran-harness report build --project project.yaml`).
A first real DUT, step by step: docs/first-real-dut.md.
"""

PROJECT = """\
# Project file: what the joint report says the runs belong to (oran-harness report build --project FILE).
name: Example E2 interoperability campaign     # required: the project's name, on every report
test_plan: EXAMPLE-TP v1.0                     # the test plan the runs follow
description: E2 nodes of two vendors against one Near-RT RIC
labs:                                          # every participating lab
  - name: example-lab                          # required; the lab profile's name:
    organisation: Example Lab Ltd
    country: DE                                # ISO 3166 alpha-2
    sites: [Berlin]
    operators: [A. Operator]
"""

_IDENTITY = """\
vendor: Example Vendor                 # shown on the reports
model: Example Model
sw_version: 1.0.0                      # optional, as are hw_version, fw_version, serial_number
"""

DUT_E2_NODE = """\
# DUT profile: an E2 node (O-DU, O-CU, gNB) under test. No `simulator:`: this is real equipment.
# The E2 node connects to the harness (which plays the Near-RT RIC) at the lab profile's
# transport.listen, so no address of the DUT is needed here.
name: my-e2-node
role: e2-node
""" + _IDENTITY + """\
e2ap: v03.01                           # v02.03 | v03.01: the E2AP version the DUT speaks
e2sm: {e2sm-kpm: v03.00, e2sm-rc: v01.03}
ran_functions:                         # the RAN functions its E2 Setup announces
  - {id: 2, e2sm: e2sm-kpm, revision: 1}
  - {id: 3, e2sm: e2sm-rc, revision: 1}
pics:                                  # what the DUT supports (specs/pics/pics.yaml lists every item)
  e2ap.procedures.e2-setup: true
  e2ap.procedures.reset-initiated-by-e2-node: true
  e2ap.procedures.reset-initiated-by-ric: true
  e2ap.procedures.error-indication: true
  e2ap.procedures.ric-service-update: true
  e2ap.procedures.ric-subscription: true
  e2ap.procedures.ric-subscription-delete: true
  e2ap.procedures.ric-indication-report: true
  e2ap.procedures.ric-control: true
"""

DUT_NEAR_RT_RIC = """\
# DUT profile: a Near-RT RIC under test. No `simulator:`: this is real equipment.
# The harness plays the E2 node and connects to endpoints.e2 (and, for A1, the A1-P apiRoot).
name: my-near-rt-ric
role: near-rt-ric
""" + _IDENTITY + """\
endpoints:
  e2: 192.0.2.10:36421                 # where the RIC listens for E2 (SCTP; 36421 is IANA's E2AP port)
  a1: https://192.0.2.10:8443          # its A1-P apiRoot; leave out when A1 is not tested
e2ap: v03.01
e2sm: {e2sm-kpm: v03.00, e2sm-rc: v01.03}
ran_functions:                         # the RAN functions the harness's E2 node announces to it
  - {id: 2, e2sm: e2sm-kpm, revision: 1}
  - {id: 3, e2sm: e2sm-rc, revision: 1}
pics:
  e2ap.procedures.e2-setup: true
  e2ap.procedures.ric-subscription: true
  e2ap.procedures.ric-subscription-delete: true
  e2ap.procedures.ric-indication-report: true
  e2ap.procedures.error-indication: true
a1:                                    # leave out when A1 is not tested
  version: v03.01
  policy_types: [ORAN_QoSTarget_2.0.0] # the policy types it offers
"""

DUT_NON_RT_RIC = """\
# DUT profile: a Non-RT RIC (A1-P consumer) under test. No `simulator:`: real equipment.
# The harness plays the Near-RT RIC's A1-P server; point the DUT at the lab profile's
# a1.callback host and port, so no address of the DUT is needed here.
name: my-non-rt-ric
role: non-rt-ric
""" + _IDENTITY + """\
a1:
  version: v03.01
"""

DUT_O_RU = """\
# DUT profile: an O-RU under test (Open Fronthaul M-plane). No `simulator:`: real equipment.
# The harness connects to its NETCONF/SSH server at endpoints.mplane and waits for its call home.
name: my-o-ru
role: o-ru
oran_component: o-ru
""" + _IDENTITY + """\
endpoints:
  mplane: 192.0.2.20:830               # the O-RU's NETCONF over SSH server (830 is IANA's port)
mplane:
  version: v08.00                      # the WG4 M-plane version it implements
  netconf: [base:1.0, base:1.1, notification:1.0, interleave:1.0, candidate:1.0, validate:1.1]
  call_home: true                      # NETCONF call home over SSH (RFC 8071, port 4334)
"""

_LAB_HEAD = """\
name: example-lab                      # the lab's name (the project file's labs[].name)
site: Berlin
operator: A. Operator
organisation: Example Lab Ltd
country: DE
mode: live                             # live: real transports to the DUT (sim: built-in simulators only)
timers:
  expect: 5                            # default expect timer, s
  guard: 30                            # longest a test case may run, s
  trigger: 60                          # how long a trigger (a command, an operator) may take, s
"""

_ADAPTER = """\
adapter:                               # how a test case makes the DUT act (a trigger step)
  kind: manual                         # manual: an operator at this terminal; command: a shell command
  prompt_timeout: 300                  # kind manual: seconds the operator has to act
  # kind: command
  # commands: {reset: "ssh dut-host e2-reset", configuration-update: "ssh dut-host e2-config-change"}
"""

_SCTP = """\
transport:
  kind: sctp
  backend: kernel                      # real equipment speaks SCTP on the wire: kernel SCTP on a lab host
                                       # (modprobe sctp); never usrsctp_mode udp for a real RIC or E2 node
"""

LAB_E2_NODE = """\
# Lab profile: testing an E2 node. The harness plays the Near-RT RIC and listens for the DUT's SCTP
# association at transport.listen; configure the E2 node with this host's address and that port.
""" + _LAB_HEAD + _SCTP + """\
  listen: 0.0.0.0:36421                # where the harness waits for the E2 node
  connect_timeout: 10
  # wire_capture: {interface: eth1, filter: "sctp"}   # also capture the real wire (needs dumpcap)
""" + _ADAPTER

LAB_NEAR_RT_RIC = """\
# Lab profile: testing a Near-RT RIC. The harness plays the E2 node and connects to the DUT
# profile's endpoints.e2 for each test case.
""" + _LAB_HEAD + _SCTP + """\
  connect_timeout: 10
""" + _ADAPTER + """\
# a1:                                  # when the RIC's A1-P is tested too (docs/a1.md)
#   tls: {ca: ca.pem}                  # its server certificate's CA (https endpoints.a1)
#   auth: {bearer_token_env: A1_TOKEN}
"""

LAB_NON_RT_RIC = """\
# Lab profile: testing a Non-RT RIC. The harness plays the Near-RT RIC's A1-P server (and
# its notification callback); point the DUT at this host's callback address.
""" + _LAB_HEAD + """\
transport:
  kind: http
a1:
  callback: {host: 0.0.0.0, port: 9080, path: /a1-notify}
  reply_timeout: 5
""" + _ADAPTER

LAB_O_RU = """\
# Lab profile: testing an O-RU's M-plane. The harness is the NETCONF client; the O-RU's address is the
# DUT profile's endpoints.mplane, and it calls home to call_home_port on this host.
""" + _LAB_HEAD + """\
transport:
  kind: netconf-ssh
mplane:
  username: oran
  password_env: ORAN_MPLANE_PASSWORD   # the password is read from this variable (never written here)
  known_host_key_file: o-ru-host-key.pub   # the O-RU's SSH host key (OpenSSH public key line)
  call_home_port: 4334
  timeout: 10
""" + _ADAPTER

LAB_FRONTHAUL = """\
# Fronthaul lab profile: what the CU-plane checks of a capture expect (oran-harness fronthaul check
# CAPTURE --lab lab-fronthaul.yaml). The eAxC split, ids and U-plane formats are what the M-plane
# configured on the O-RU (O-RAN.WG4.CUS.0 5.1.3.1.6); give your O-RU's.
name: example-lab-fronthaul
site: Berlin
operator: A. Operator
fronthaul:
  eaxc_bits: {du_port: 2, band_sector: 6, cc: 4, ru_port: 4}
  eaxc_ids:
    - {du_port: 0, band_sector: 1, cc: 0, ru_port: 0}
    - {du_port: 0, band_sector: 1, cc: 0, ru_port: 1}
  carriers:
    - {cc: 0, prbs: 273, scs_khz: 30}  # 100 MHz at 30 kHz
  message_types: [0, 2]                # IQ data (U-plane), real-time control (C-plane)
  section_types: [1, 3]
  section_extensions: [1]
  uplane:
    uplink: {comp_hdr: false, iq_width: 9, comp_meth: 1}   # block floating point, 9 bits
    downlink: {comp_hdr: true}
"""

# file name -> (kind for `validate`: 'dut' | 'lab' | 'fronthaul' | 'project' | None, text)
FILES: dict[str, tuple[str | None, str]] = {
    "README.md": (None, README),
    "project.yaml": ("project", PROJECT),
    "dut-e2-node.yaml": ("dut", DUT_E2_NODE),
    "dut-near-rt-ric.yaml": ("dut", DUT_NEAR_RT_RIC),
    "dut-non-rt-ric.yaml": ("dut", DUT_NON_RT_RIC),
    "dut-o-ru.yaml": ("dut", DUT_O_RU),
    "lab-e2-node.yaml": ("lab", LAB_E2_NODE),
    "lab-near-rt-ric.yaml": ("lab", LAB_NEAR_RT_RIC),
    "lab-non-rt-ric.yaml": ("lab", LAB_NON_RT_RIC),
    "lab-o-ru.yaml": ("lab", LAB_O_RU),
    "lab-fronthaul.yaml": ("fronthaul", LAB_FRONTHAUL),
}
