#!/usr/bin/env python3
"""Writes the fuzzing harnesses' seed corpora into tests/fuzz/seeds/<harness>/.

Each seed is one valid (or nearly valid) input a harness starts from: a few ATRs and CCID
class descriptors of real hardware from tests/data, the examples of the service contracts in
docs/api, and hand-made messages of the kiosk's own protocols (docs/protocols). A harness's
first bytes select what it decodes (see the comment at the top of each fuzz_*.cpp), and the
seeds carry them. Seeds kept from crashes (tests/fuzz/seeds/<harness>/crash-*) are left alone.

usage: tests/fuzz/make_seeds.py   (from anywhere; rewrites the generated seeds)
"""

import hashlib
import json
import os
import re
import struct
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SEEDS = os.path.join(ROOT, 'tests', 'fuzz', 'seeds')

# The selector bytes of the harnesses (their fuzz_*.cpp say the same).
CCID_COMMAND, CCID_RESPONSE, CCID_INTERRUPT, CCID_HEADER = 0, 1, 2, 3
COMMAND, RESPONSE, EVENT, WHOLE_FRAME = 0, 1, 2, 3


def write(harness, name, data):
    folder = os.path.join(SEEDS, harness)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode('utf-8')
    with open(os.path.join(folder, name), 'wb') as file:
        file.write(data)


def clear_generated():
    for harness in os.listdir(SEEDS) if os.path.isdir(SEEDS) else []:
        folder = os.path.join(SEEDS, harness)
        for name in os.listdir(folder):
            if not name.startswith('crash-'):
                os.remove(os.path.join(folder, name))


def crc16(data):
    """CRC-16/CCITT-FALSE (docs/protocols/epp.md §2)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def frame(start, code, sequence, payload):
    """epp.md §2: start, version 01, code, sequence, length (LE), payload, CRC-16 (LE)."""
    body = bytes([start, 0x01, code, sequence]) + struct.pack('<H', len(payload)) + payload
    return body + struct.pack('<H', crc16(body))


def ccid(message_type, data, slot=0, sequence=0, byte7=0, byte8=0, byte9=0):
    """CCID Rev 1.1 §6: the 10-byte header, then dwLength data bytes."""
    return (bytes([message_type]) + struct.pack('<I', len(data)) +
            bytes([slot, sequence, byte7, byte8, byte9]) + data)


def corpus_seeds():
    # ATRs of real cards (tests/data/atr-corpus.txt), every 400th for variety: T=0 only, T=1
    # with TCK, inverse convention, truncated ones as recorded.
    with open(os.path.join(ROOT, 'tests', 'data', 'atr-corpus.txt')) as file:
        atrs = [bytes.fromhex(line) for line in file if line.strip()]
    for index in range(0, len(atrs), 400):
        write('fuzz_atr', f'corpus-{index:04d}', atrs[index])
    for atr in atrs:
        if atr[0] == 0x3F:  # one inverse convention ATR
            write('fuzz_atr', 'inverse', atr)
            break
    # CCID class descriptors of real readers, one of each exchange level, and one cut short.
    seen = set()
    with open(os.path.join(ROOT, 'tests', 'data', 'ccid-readers.jsonl')) as file:
        for line in file:
            reader = json.loads(line)
            level = reader['expect']['exchange_level']
            if level in seen:
                continue
            seen.add(level)
            descriptor = bytes.fromhex(reader['descriptor'])
            write('fuzz_class_descriptor', f'reader-{level}', descriptor)
            # The same descriptor in a reader's answer to PC_to_RDR_Escape, for the messages.
            write('fuzz_ccid_message', f'escape-{level}',
                  bytes([CCID_RESPONSE]) + ccid(0x83, descriptor, sequence=4))
    write('fuzz_class_descriptor', 'cut-short', descriptor[:40])


def ccid_seeds():
    select_pse = bytes.fromhex('00A404000E315041592E5359532E444446303100')
    seeds = {
        'power-on': (CCID_COMMAND, ccid(0x62, b'', sequence=1, byte7=1)),
        'slot-status-request': (CCID_COMMAND, ccid(0x65, b'', sequence=2)),
        'xfr-block': (CCID_COMMAND, ccid(0x6F, select_pse, sequence=3)),
        'set-parameters-t1': (CCID_COMMAND, ccid(0x61, bytes.fromhex('1100100F00FE00'),
                                                  sequence=4, byte7=1)),
        'data-block-atr': (CCID_RESPONSE, ccid(0x80, bytes.fromhex('3B6800000073C84013009000'),
                                               sequence=1)),
        'data-block-fci': (CCID_RESPONSE, ccid(0x80, bytes.fromhex('6F0A840831504159A5009000'),
                                               sequence=3)),
        'slot-status-absent': (CCID_RESPONSE, ccid(0x81, b'', sequence=2, byte7=0x02)),
        'slot-status-failed': (CCID_RESPONSE, ccid(0x81, b'', sequence=2, byte7=0x41,
                                                   byte8=0xFE)),
        'parameters-t0': (CCID_RESPONSE, ccid(0x82, bytes.fromhex('1100000A00'), sequence=5)),
        'notify-slot-change': (CCID_INTERRUPT, bytes.fromhex('5003')),
        'notify-two-slots': (CCID_INTERRUPT, bytes.fromhex('500E')),
        'hardware-error': (CCID_INTERRUPT, bytes.fromhex('5100070001')),
        'header': (CCID_HEADER, ccid(0x6B, b'\x01\x02', sequence=9)),
    }
    for name, (selector, data) in seeds.items():
        write('fuzz_ccid_message', name, bytes([selector]) + data)


def ccid_client_seeds():
    """A reader's answers to the driver: selector, then each transfer as a length byte and bytes
    (FF a transfer that timed out). Bit 1 of the selector writes slot and bSeq into them."""

    def transfer(data):
        return bytes([len(data)]) + data

    atr = bytes.fromhex('3B6800000073C84013009000')
    fci = bytes.fromhex('6F1A840E315041592E5359532E4444463031A5088801015F2D027A689000')
    answers = (transfer(ccid(0x80, atr)) +                          # power on
               transfer(ccid(0x80, fci)) +                          # XfrBlock
               transfer(ccid(0x81, b'')) +                          # GetSlotStatus
               transfer(ccid(0x82, bytes.fromhex('1110004D002000'), byte9=1)) +  # SetParameters
               bytes([2]) +                                         # GET_DATA_RATES: two rates
               transfer(struct.pack('<II', 9600, 115200)) +
               transfer(bytes.fromhex('5003')) +                    # interrupt: card inserted
               transfer(ccid(0x81, b'', byte7=0x01)))               # power off
    write('fuzz_ccid_client', 'every-command', bytes([0xFE]) + answers)
    # The answer to XfrBlock cut in two transfers, after a time extension (bStatus 80, §6.2.6).
    message = ccid(0x80, fci)
    split = (transfer(ccid(0x80, atr)) + transfer(ccid(0x80, b'', byte7=0x80, byte8=2)) +
             transfer(message[:20]) + transfer(message[20:]))
    write('fuzz_ccid_client', 'time-extension-and-gathering', bytes([0x07]) + split)
    write('fuzz_ccid_client', 'card-mute', bytes([0x02]) +
          transfer(ccid(0x80, b'', byte7=0x41, byte8=0xFE)))
    write('fuzz_ccid_client', 'timeout-then-abort', bytes([0x06]) + transfer(ccid(0x80, atr)) +
          b'\xFF' + transfer(ccid(0x81, b'')) + transfer(ccid(0x80, fci)))


def apdu_seeds():
    commands = {
        'select-pse': '00A404000E315041592E5359532E444446303100',
        'select-aid': '00A4040008A00000033301010100',
        'gpo': '80A8000002830000',
        'read-record': '00B2010C00',
        'get-response': '00C0000010',
        'extended-case4': '00A4040000000831504159000000',
        'case1': '00840000',
    }
    for name, hex_text in commands.items():
        write('fuzz_apdu', f'command-{name}', bytes([0]) + bytes.fromhex(hex_text))
    responses = {'ok': '6F0A840831504159A5009000', 'more': '611C', 'not-found': '6A82',
                 'wrong-le': '6C10'}
    for name, hex_text in responses.items():
        write('fuzz_apdu', f'response-{name}', bytes([1]) + bytes.fromhex(hex_text))


def t1_crc(data):
    """ISO/IEC 7816-3 §11.4.4 as drivers/iso7816/t1_block.h computes it (CRC-16/MCRF4XX)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def t1_seeds():
    """T=1 blocks (§11.3): selector (bit 0 CRC, bit 1 encode direction), the receiver's IFS."""
    select = bytes.fromhex('00A4040007A000000333010100')
    blocks = {
        'i-block': bytes([0x00, 0x00, len(select)]) + select,
        'i-block-chained': bytes([0x00, 0x60, 4]) + select[:4],
        'r-block': bytes([0x00, 0x90, 0x00]),
        'r-block-edc-error': bytes([0x00, 0x81, 0x00]),
        's-ifs-request': bytes([0x00, 0xC1, 0x01, 0xFE]),
        's-wtx-request': bytes([0x00, 0xC3, 0x01, 0x02]),
        's-resynch-response': bytes([0x00, 0xE0, 0x00]),
        's-abort-request': bytes([0x00, 0xC2, 0x00]),
    }
    for name, block in blocks.items():
        lrc = 0
        for byte in block:
            lrc ^= byte
        write('fuzz_t1_block', f'{name}-lrc', bytes([0x00, 0xFE]) + block + bytes([lrc]))
        crc = t1_crc(block)
        write('fuzz_t1_block', f'{name}-crc',
              bytes([0x01, 0x20]) + block + bytes([crc >> 8, crc & 0xFF]))
    # The other direction: a block's shape byte, then its INF.
    write('fuzz_t1_block', 'encode-i-block', bytes([0x02, 0xFE, 0x00]) + select)
    write('fuzz_t1_block', 'encode-s-ifs', bytes([0x03, 0xFE, 0x0C, 0x20]))


def pps_seeds():
    """PPS answers (§9): protocol and PPS1 presence, PPS1 asked, then the card's answer."""

    def answer(*bytes_):
        check = 0
        for byte in bytes_:
            check ^= byte
        return bytes(bytes_) + bytes([check])

    write('fuzz_pps', 't1-echoed', bytes([0x11, 0x96]) + answer(0xFF, 0x11, 0x96))
    write('fuzz_pps', 't1-default-kept', bytes([0x11, 0x96]) + answer(0xFF, 0x01))
    write('fuzz_pps', 't0-no-pps1', bytes([0x00, 0x00]) + answer(0xFF, 0x00))
    write('fuzz_pps', 't1-wrong-protocol', bytes([0x11, 0x13]) + answer(0xFF, 0x10, 0x13))


def tlv(tag, value):
    """One BER-TLV object (EMV 4.3 Book 3 Annex B), short or 81 length."""
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8, 'big')
    length = bytes([len(value)]) if len(value) < 0x80 else bytes([0x81, len(value)])
    return tag_bytes + length + value


def luhn_complete(digits):
    """The digits with their Luhn check digit (ISO/IEC 7812-1 Annex B) appended."""
    total = 0
    for index, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return digits + str((10 - total % 10) % 10)


def card_seeds():
    """A made-up UnionPay debit card's answers, each a length byte and the response APDU."""

    def answer(data=b'', status=0x9000):
        response = data + status.to_bytes(2, 'big')
        return bytes([len(response)]) + response

    aid = bytes.fromhex('A000000333010101')
    label = b'UnionPay Debit'
    pan = luhn_complete('622202000000001')
    record = tlv(0x70, tlv(0x5A, bytes.fromhex(pan + 'F' * (len(pan) % 2))) +
                 tlv(0x5F24, bytes.fromhex('281231')) + tlv(0x5F20, b'CARDHOLDER/TEST ') +
                 tlv(0x5F2D, b'zhen'))
    application_fci = tlv(0x6F, tlv(0x84, aid) + tlv(0xA5, tlv(0x50, label) +
                                                     tlv(0x9F38, bytes.fromhex('9F1A025F2A02'))))
    processing_options = tlv(0x80, bytes.fromhex('5C00') + bytes.fromhex('08010100'))
    by_list = (answer(status=0x6A82) + answer(application_fci) + answer(processing_options) +
               answer(record))
    write('fuzz_card_data', 'by-terminal-list', by_list)
    pse_fci = tlv(0x6F, tlv(0x84, b'1PAY.SYS.DDF01') + tlv(0xA5, tlv(0x88, b'\x01')))
    directory = tlv(0x70, tlv(0x61, tlv(0x4F, aid) + tlv(0x50, label) + tlv(0x87, b'\x01')))
    by_directory = (answer(pse_fci) + answer(directory) + answer(status=0x6A83) +
                    answer(application_fci) + answer(processing_options) + answer(record))
    write('fuzz_card_data', 'by-directory', by_directory)
    # GET PROCESSING OPTIONS in format 2 (Book 3 §6.5.8.4), and a card that leaves mid-way.
    format2 = tlv(0x77, tlv(0x82, bytes.fromhex('5C00')) + tlv(0x94, bytes.fromhex('08010100')))
    write('fuzz_card_data', 'format-2', answer(status=0x6A82) + answer(application_fci) +
          answer(format2) + answer(record))
    write('fuzz_card_data', 'card-leaves', answer(status=0x6A82) + answer(application_fci))
    write('fuzz_card_data', 'transit-card', answer(status=0x6A82) * 5)


def emv_seeds():
    records = {
        # EMV 4.3 Book 1 §12.2.4: the PSE's FCI with its SFI and an issuer discretionary template.
        'fci-pse': '6F1A840E315041592E5359532E4444463031A5088801015F2D027A68',
        'fci-application': '6F2D8407A0000003330101A5225010554E494F4E20504159204352454449549F38'
                           '099F66049F02069F3704BF0C059F4D020B0A',
        'record': '70425A0862220200000000115F24032812315F25032001015F280201565F300202019F0702'
                  'FFC08E0C000000000000000042031F039F0D05B0508080009F0E0500000000009F0F05B070'
                  '9880',
        'track2': '70135711622202000000001D28122010000000000F',
        'padded': '00007003820100FFFF',
        'long-length': '7081030102FF',
    }
    for name, hex_text in records.items():
        write('fuzz_tlv', name, bytes.fromhex(hex_text))
    dols = {
        'pdol': '9F66049F02069F03069F1A0295055F2A029A039C019F3704',
        'cdol1': '9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F3403',
        'one-entry': '9F3704',
    }
    for name, hex_text in dols.items():
        write('fuzz_dol', name, bytes.fromhex(hex_text))


def frame_seeds():
    write('fuzz_frame', 'pin-pad-get-info', bytes([0]) + frame(0xEB, 0x01, 1, b''))
    write('fuzz_frame', 'dispenser-status', bytes([1]) + frame(0xDC, 0x02, 7, b''))
    write('fuzz_frame', 'pin-pad-beep', bytes([2]) + frame(0xEB, 0x07, 2, b'\x01\x64\x00'))
    write('fuzz_frame', 'dispenser-nak', bytes([3]) + frame(0xDC, 0xFF, 9, b'\x09'))


def epp_seeds():
    account = b'123456789012'  # epp.md §4.4: 12 digits of a made-up PAN
    seeds = {
        'command-get-info': (COMMAND, 0x01, b''),
        'command-key-mode-clear-digits': (COMMAND, 0x03, bytes([2, 2, 6, 60, 0])),
        'command-start-pin-entry': (COMMAND, 0x04, bytes([0, 0, 4, 6, 30, 0]) + account),
        'command-start-new-pin-entry': (COMMAND, 0x08, bytes([0, 0, 6, 6, 60, 0]) + account),
        'command-beep': (COMMAND, 0x07, bytes([2, 0xC8, 0])),
        'response-status': (RESPONSE, 0x82, bytes([0, 2, 3, 1, 0])),
        'response-pin-block': (RESPONSE, 0x86, bytes([0, 0, 0]) + bytes(range(8))),
        'response-info': (RESPONSE, 0x81, bytes([0]) + b'\x05EPP-1\x0800000042\x051.4.0\x01'),
        'response-busy': (RESPONSE, 0x84, bytes([4])),
        'response-nak': (RESPONSE, 0xFF, bytes([9])),
        # Revision 5 (epp.md §8): GET KEY STATUS, AUTHENTICATE, LOAD KEY answers, roughly shaped.
        'response-key-status': (RESPONSE, 0x89, bytes([0]) + bytes(31)),
        'response-challenge': (RESPONSE, 0x8D, bytes([0]) + bytes(range(1, 25))),
        'response-load-key': (RESPONSE, 0x8C, bytes([0, 0x1A, 0x2B, 0x3C, 0, 0])),
        'event-key': (EVENT, 0x41, b'\x0D'),
        'event-digit': (EVENT, 0x42, b'\x03'),
        'event-done': (EVENT, 0x44, bytes([0, 0]) + bytes(range(8))),
        'event-ended': (EVENT, 0x45, b'\x02'),
        'event-headphones': (EVENT, 0x48, b'\x01'),
        'event-new-pin-again': (EVENT, 0x4B, b''),
    }
    for sequence, (name, (selector, code, payload)) in enumerate(seeds.items()):
        write('fuzz_epp', name, bytes([selector, code, sequence]) + payload)
    write('fuzz_epp', 'frame-start-pin-entry',
          bytes([WHOLE_FRAME]) + frame(0xEB, 0x04, 5, bytes([0, 0, 4, 6, 30, 0]) + account))


def dispenser_seeds():
    reference = bytes.fromhex('0f8fad5bd9cb469fa16570867728950e')
    cassette = bytes([1]) + b'CNY' + struct.pack('<IHB', 10000, 1500, 0)
    seeds = {
        'command-info': (COMMAND, 0x01, b''),
        'command-dispense': (COMMAND, 0x10, reference + struct.pack('<HH', 5, 2)),
        'command-present': (COMMAND, 0x11, reference),
        'command-retract': (COMMAND, 0x12, reference),
        'command-reset': (COMMAND, 0x20, b''),
        'response-info': (RESPONSE, 0x81, bytes([0]) + struct.pack('<H', 0x0102) +
                          b'DSP0000000000042' + bytes([2])),
        'response-cassettes': (RESPONSE, 0x83, bytes([0]) + cassette +
                               bytes([2]) + b'CNY' + struct.pack('<IHB', 5000, 20, 1)),
        'response-outcome': (RESPONSE, 0x90, bytes([0]) + reference +
                             bytes([0]) + struct.pack('<H', 1) + bytes([2]) +
                             struct.pack('<HH', 5, 2) + bytes([1])),
        'response-note-count': (RESPONSE, 0x91, bytes([0]) + struct.pack('<H', 7)),
        'response-state': (RESPONSE, 0xA0, bytes([0, 0])),
        'response-jammed': (RESPONSE, 0x90, bytes([7])),
        'event-presented': (EVENT, 0x40, reference + struct.pack('<H', 7)),
        'event-taken': (EVENT, 0x41, reference),
        'event-shutter-closed': (EVENT, 0x42, b''),
        'event-cassette-changed': (EVENT, 0x44, bytes([2, 1])),
    }
    for sequence, (name, (selector, code, payload)) in enumerate(seeds.items()):
        write('fuzz_dispenser', name, bytes([selector, code, sequence]) + payload)
    write('fuzz_dispenser', 'frame-dispense',
          bytes([WHOLE_FRAME]) + frame(0xDC, 0x10, 3, reference + struct.pack('<H', 3)))


def cabinet_seeds():
    """The cabinet sensors board (docs/protocols/cabinet.md): commands, answers and events."""
    seeds = {
        'command-info': (COMMAND, 0x01, b''),
        'command-status': (COMMAND, 0x02, b''),
        'response-info': (RESPONSE, 0x81, bytes([0]) + struct.pack('<H', 0x0100) +
                          b'SIM-SENSORS-1   ' + b'SIM-CAB-0001    '),
        'response-status': (RESPONSE, 0x82, bytes([0, 1, 1, 0])),
        'response-nak': (RESPONSE, 0xFF, bytes([9])),
        'event-switch': (EVENT, 0x40, bytes([1])),
        'event-door': (EVENT, 0x41, bytes([2, 1])),
    }
    for sequence, (name, (selector, code, payload)) in enumerate(seeds.items()):
        write('fuzz_cabinet', name, bytes([selector, code, sequence]) + payload)
    write('fuzz_cabinet', 'frame-status',
          bytes([WHOLE_FRAME]) + frame(0xCB, 0x82, 7, bytes([0, 1, 1, 0])))


# An engineers' accounts file as kiosk/access writes it (the simulator's demo engineer 1001:
# demo data, simulator/staff/demo-engineers.toml), a sign-in state file, and a password hash.
ENGINEER_ACCOUNTS = """[[engineer]]
id = "1001"
role = "engineer"
password = "pbkdf2-sha256$600000$/lW3sFxBhvxSTzoCUDnnRQ==$ihv5/N/d3L/bD2XV+til6VR8aYgeYk4z6yMQSyBvxjI="
otp_secret = "MXYQSLA2QDJRNNDH7AZ2RDUYQH2ZTWUK"
otp_algorithm = "sha1"
otp_digits = 6

[[engineer]]
id = "2001"
role = "key_custodian"
password = "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
otp_secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
otp_algorithm = "sha256"
otp_digits = 8
"""
SIGN_IN_STATE = """failures = 2
lock_ends_at = 1796397542

[last_used_step]
1001 = 59880000
"""


def engineer_file_seeds():
    """kiosk/access's files: selector 0 accounts, 1 sign-in state, 2 a password hash's text."""
    write('fuzz_engineer_files', 'accounts', b'\x00' + ENGINEER_ACCOUNTS.encode())
    write('fuzz_engineer_files', 'accounts-empty', b'\x00')
    write('fuzz_engineer_files', 'state', b'\x01' + SIGN_IN_STATE.encode())
    write('fuzz_engineer_files', 'state-fresh', b'\x01' + b'failures = 0\nlock_ends_at = 0\n')
    write('fuzz_engineer_files', 'password-hash',
          b'\x02' + b'pbkdf2-sha256$600000$/lW3sFxBhvxSTzoCUDnnRQ==$'
          b'ihv5/N/d3L/bD2XV+til6VR8aYgeYk4z6yMQSyBvxjI=')


def escpos_seeds():
    esc, gs, fs, dle = b'\x1b', b'\x1d', b'\x1c', b'\x10'
    utf8 = fs + b'(C\x02\x000\x32'
    qr_data = b'https://bank.example/q/A023'
    qr = (gs + b'(k\x04\x001A2\x00' + gs + b'(k\x03\x001C\x06' + gs + b'(k\x03\x001E1' +
          gs + b'(k' + struct.pack('<H', len(qr_data) + 3) + b'1P0' + qr_data +
          gs + b'(k\x03\x001Q0')
    slip = (esc + b'@' + utf8 + esc + b'a\x01' + gs + b'!\x11' + 'A023 号'.encode() + b'\n' +
            gs + b'!\x00' + esc + b'E\x01' + '请稍候 Please wait'.encode() + esc + b'E\x00' +
            b'\n' + qr + esc + b'd\x03' + gs + b'VB\x60')
    write('fuzz_escpos', 'ticket-whole', bytes([0x3F]) + slip)
    write('fuzz_escpos', 'ticket-in-pieces', bytes([0x05]) + slip)
    write('fuzz_escpos', 'ascii-and-status', bytes([0x00]) + esc + b'@Balance\n' + dle + b'\x04\x04')
    write('fuzz_escpos', 'cut-full', bytes([0x02]) + gs + b'V0')
    write('fuzz_escpos', 'status-reply', bytes([0x80, 0x12]))
    write('fuzz_escpos', 'status-paper-end', bytes([0x80, 0x7E]))


def contract_examples(path):
    """Yields (operation path, method, HTTP status, example body) of an OpenAPI document."""
    document = yaml.safe_load(open(path, encoding='utf-8'))

    def resolve(node):
        while isinstance(node, dict) and '$ref' in node:
            target = document
            for part in node['$ref'].lstrip('#/').split('/'):
                target = target[part]
            node = target
        return node

    for operation_path, operations in document['paths'].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get('responses', {}).items():
                response = resolve(response)
                for media in response.get('content', {}).values():
                    bodies = []
                    if 'example' in media:
                        bodies.append(media['example'])
                    for example in media.get('examples', {}).values():
                        example = resolve(example)
                        if 'value' in example:
                            bodies.append(example['value'])
                    for body in bodies:
                        yield operation_path, method, int(status), body


ACCOUNT_STATUSES = [200, 201, 204, 400, 401, 403, 404, 409, 410, 413, 422, 423, 429, 500, 503, 302]
QUEUE_STATUSES = [200, 201, 204, 400, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504, 302, 418]


def account_asked(path, method):
    """The harness's second byte: 0 sign-on, 1 preferences, 2 + the request's index."""
    table = [
        ('/v1/sessions/end', None, [2 + 10]),
        ('/v1/sessions', None, [0]), ('/v1/balance', None, [0]),
        ('/v1/preferences', None, [1]),
        ('/v1/statement', None, [2 + 0]),
        ('/v1/quotes', None, [2 + 1, 2 + 2]),
        ('/confirm', None, [2 + 4]), ('/reverse', None, [2 + 5]),
        ('/v1/withdrawals', 'put', [2 + 3]), ('/v1/withdrawals', 'get', [2 + 6]),
        ('/v1/transfers', 'put', [2 + 7]), ('/v1/transfers', 'get', [2 + 8]),
        ('/v1/card-lock', None, [2 + 9]), ('/v1/pin-change', None, [2 + 10]),
    ]
    for fragment, wanted_method, asked in table:
        if fragment in path and wanted_method in (None, method):
            return asked
    return []


def queue_operation(path, method):
    table = [('/v1/businesses', 'get', 0), ('/v1/tickets', 'post', 1),
             ('/v1/assistance-calls/{call_id}', 'get', 3),
             ('/v1/assistance-calls', 'post', 2), ('/v1/survey-answers', 'post', 4),
             ('/v1/complaints', 'post', 5)]
    for fragment, wanted_method, operation in table:
        if path == fragment and method == wanted_method:
            return operation
    return None


def contract_seeds():
    for path, method, status, body in contract_examples(os.path.join(ROOT, 'docs', 'api',
                                                                     'account.yaml')):
        text = json.dumps(body, ensure_ascii=False, separators=(',', ':')).encode()
        for asked in account_asked(path, method):
            name = hashlib.sha1(text + bytes([status % 256, asked])).hexdigest()[:12]
            write('fuzz_account_reply', f'{status}-{asked}-{name}',
                  bytes([ACCOUNT_STATUSES.index(status), asked]) + text)
    for path, method, status, body in contract_examples(os.path.join(ROOT, 'docs', 'api',
                                                                     'queue.yaml')):
        operation = queue_operation(path, method)
        if operation is None or status not in QUEUE_STATUSES:
            continue
        text = json.dumps(body, ensure_ascii=False, separators=(',', ':')).encode()
        name = hashlib.sha1(text + bytes([status % 256, operation])).hexdigest()[:12]
        write('fuzz_queue_reply', f'{status}-{operation}-{name}',
              bytes([QUEUE_STATUSES.index(status), operation]) + text)


def config_seeds():
    # The files named here are made by fuzz_config itself (LLVMFuzzerInitialize).
    fixtures = '/tmp/kiosk-fuzz-config'
    write('fuzz_config', 'account-only', f'''[account]
url = "https://127.0.0.1:8443"
ca_file = "{fixtures}/ca.pem"
terminal_id = "KIOSK-0001"
''')
    write('fuzz_config', 'full', f'''[display]
fullscreen = false
width = 1920
height = 1080
panel_width_mm = 476.6
panel_height_mm = 268.1
viewing_distance_mm = 500

[input]
ignore_second_press_ms = 500

[account]
url = "https://bank.example:8443"
ca_file = "{fixtures}/ca.pem"
terminal_id = "BR-0042.kiosk_1"

[queue]
url = "https://queue.example:9443"
ca_file = "{fixtures}/ca.pem"

[tls]
client_certificate = "{fixtures}/cert.pem"
client_key = "{fixtures}/key.pem"

[kiosk]
location = "大堂 Lobby, by the door"

[outbox]
file = "{fixtures}/outbox.sqlite"

[journal]
file = "{fixtures}/journal.sqlite"

[pin_pad]
key_slot = 3

[security]
lock_memory = false

[simulation]
allow_fault_signals = true
''')
    write('fuzz_config', 'wrong-types', '''[display]
width = "wide"
fullscreen = 1
[pin_pad]
key_slot = 300
''')
    for name in sorted(os.listdir(os.path.join(ROOT, 'assets', 'config'))):
        if name.endswith('.toml'):
            with open(os.path.join(ROOT, 'assets', 'config', name), 'rb') as file:
                write('fuzz_config', f'assets-{name}', file.read())


def scenario_seeds():
    folder = os.path.join(ROOT, 'tests', 'e2e')
    for name in ['wrong_pin.scenario', 'ticket_zh_printed.scenario',
                 'withdrawal_en_insufficient_funds_then_jam.scenario',
                 'staff_call_en_acknowledged.scenario', 'kiosk_killed_then_serves.scenario']:
        with open(os.path.join(folder, name), 'rb') as file:
            write('fuzz_scenario', name, b'\x00' + file.read())
    for text in ['500ms', '1.5s', '2s']:
        write('fuzz_scenario', f'duration-{text}', b'\x01' + text.encode())
    for text in ['100', '100.50', '0.05']:
        write('fuzz_scenario', f'yuan-{text}', b'\x02' + text.encode())


def write_dictionary(harness, words):
    folder = os.path.join(ROOT, 'tests', 'fuzz', 'dictionaries')
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f'{harness}.dict'), 'w', encoding='utf-8') as file:
        file.write(f'# libFuzzer dictionary of {harness}, written by tests/fuzz/make_seeds.py\n')
        for word in sorted(set(words)):
            escaped = ''.join(f'\\x{byte:02X}' if byte < 0x20 or byte > 0x7E or byte in b'"\\'
                              else chr(byte) for byte in word.encode('utf-8'))
            file.write(f'"{escaped}"\n')


def contract_words(path):
    """The property names and enumerated values of an OpenAPI document, as JSON tokens."""
    words = ['{', '}', '[', ']', ':', ',', 'true', 'false', 'null', '"', '\\u0000', '1e308',
             '-1', '9223372036854775808']

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == 'properties' and isinstance(value, dict):
                    words.extend(f'"{name}":' for name in value)
                if key == 'enum' and isinstance(value, list):
                    words.extend(f'"{item}"' for item in value if isinstance(item, str))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(open(path, encoding='utf-8')))
    return words


def dictionaries():
    write_dictionary('fuzz_account_reply',
                     contract_words(os.path.join(ROOT, 'docs', 'api', 'account.yaml')))
    write_dictionary('fuzz_queue_reply',
                     contract_words(os.path.join(ROOT, 'docs', 'api', 'queue.yaml')))
    # The configuration's sections and keys, as config.cpp reads them.
    source = open(os.path.join(ROOT, 'kiosk', 'app', 'config.cpp'), encoding='utf-8').read()
    keys = re.findall(r'(?:text|number|flag|millimetres)\("(\w+)", "(\w+)"', source)
    keys += re.findall(r'table\["(\w+)"\]\["(\w+)"\]', source)
    toml_tokens = ['"https://', '= true', '= false', '\n', '"' * 3, "'" * 3, '[[', ']]', '= {',
                   '0x', '1e3', 'inf', 'nan', '1979-05-27T07:32:00Z']
    write_dictionary('fuzz_config', [f'[{section}]' for section, _ in keys] +
                     [f'{key} = ' for _, key in keys] + toml_tokens)
    # The scenario language's words, as scenario.cpp compares them.
    source = open(os.path.join(ROOT, 'simulator', 'script', 'scenario.cpp'),
                  encoding='utf-8').read()
    words = re.findall(r'== "([^"\\]+)"', source)
    write_dictionary('fuzz_scenario', words + ['"', '\n', ' within ', 'ms', 's', ' on '])
    write_dictionary('fuzz_base32', BASE32_WORDS)
    # kiosk/access's keys and values, and the hash text's parts.
    write_dictionary('fuzz_engineer_files',
                     ['[[engineer]]', 'id = ', 'role = ', 'password = ', 'otp_secret = ',
                      'otp_algorithm = ', 'otp_digits = ', '"engineer"', '"key_custodian"',
                      '"administrator"', '"sha1"', '"sha256"', '"sha512"', 'failures = ',
                      'lock_ends_at = ', '[last_used_step]', 'pbkdf2-sha256$', '$', '==', '"',
                      '\n'])


def text_field_seeds():
    """The shared text parsers: selector 0 UUID, 1 hex, 2 card number, 3 columns of paper."""
    write('fuzz_text_fields', 'uuid', b'\x00' + b'0f8fad5b-d9cb-469f-a165-70867728950e')
    write('fuzz_text_fields', 'uuid-upper-case', b'\x00' + b'0F8FAD5B-D9CB-469F-A165-70867728950E')
    write('fuzz_text_fields', 'hex', b'\x01' + b'6F 1A 84 0E 31504159')
    write('fuzz_text_fields', 'card-number', b'\x02' + luhn_complete('622202000000001').encode())
    write('fuzz_text_fields', 'card-number-short', b'\x02' + b'12345678')
    write('fuzz_text_fields', 'columns-mixed', b'\x03\x0c' +
          '您的号码 A023，请留意叫号 Please wait for your number'.encode())
    write('fuzz_text_fields', 'columns-narrow', b'\x03\x01' + '余额 Balance'.encode())


# Base32's padding runs (RFC 4648 §6: 6, 4, 3 or 1 '=' after a final group), its digits, and
# Q, whose low four bits are zero, so that it ends a 2-byte group without stray bits (§3.5).
BASE32_WORDS = ['======', '====', '===', '=', '2', '7', 'Q', 'q']


def base32_seeds():
    """One-time password secrets in Base32 (RFC 4648 §6): selector 0 text, 1 bytes to encode."""
    # RFC 4648 §10's vectors, padded and not, and RFC 6238 Appendix B's SHA-1 seed as an
    # authenticator app shows it (lower case, no padding).
    for name, text in [('rfc4648-f', 'MY======'), ('rfc4648-fo', 'MZXQ===='),
                       ('rfc4648-foo', 'MZXW6==='), ('rfc4648-foob', 'MZXW6YQ='),
                       ('rfc4648-fooba', 'MZXW6YTB'), ('rfc4648-foobar', 'MZXW6YTBOI======'),
                       ('rfc4648-foobar-unpadded', 'MZXW6YTBOI'),
                       ('rfc6238-seed-lower-case', 'gezdgnbvgy3tqojqgezdgnbvgy3tqojq'),
                       ('stray-bits', 'MZ======'), ('short-padding', 'MY=')]:
        write('fuzz_base32', name, b'\x00' + text.encode())
    write('fuzz_base32', 'bytes-rfc6238-seed', b'\x01' + b'12345678901234567890')
    write('fuzz_base32', 'bytes-all-values', b'\x01' + bytes(range(256)))


def main():
    clear_generated()
    text_field_seeds()
    base32_seeds()
    dictionaries()
    corpus_seeds()
    ccid_seeds()
    apdu_seeds()
    ccid_client_seeds()
    t1_seeds()
    pps_seeds()
    emv_seeds()
    card_seeds()
    frame_seeds()
    epp_seeds()
    dispenser_seeds()
    cabinet_seeds()
    escpos_seeds()
    engineer_file_seeds()
    contract_seeds()
    config_seeds()
    scenario_seeds()
    for harness in sorted(os.listdir(SEEDS)):
        print(f'{harness}: {len(os.listdir(os.path.join(SEEDS, harness)))} seeds')
    return 0


if __name__ == '__main__':
    sys.exit(main())
