"""Result documents (issue 8): what issuing one licence costs beyond the database — signing the
content (Ed25519), checking a signature (the verification page), drawing the seal (first time
per issuer; cached after), rendering the HTML and the PDF (WeasyPrint), and the PDF's size —
for a 营业执照 (framed licence), a 社会保障卡 (certificate) and a 准予行政许可决定书 (letter).

Usage:  .venv/bin/python bench/bench_documents.py [--rounds 20]
No database: the licences are built in memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def line(label: str, samples: list[float], extra: str = "") -> None:
    print(f"{label:<44} median {statistics.median(samples):8.2f} ms  p99 {pct(samples, 99):8.2f} ms{extra}")


def timed(fn, rounds: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    import django

    django.setup()
    from onewindow.licences import seal
    from onewindow.licences.constants import STANDARD_TYPES, HolderKind
    from onewindow.licences.documents import document_html, document_pdf
    from onewindow.licences.layouts import ResultFacts, result_surface
    from onewindow.licences.models import Licence, LicenceType
    from onewindow.licences.signing import licence_sign, signature_check

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()} (a loaded shared machine: treat as upper bounds)")
    samples = {
        "BUSINESS_LICENCE": dict(holder_kind=HolderKind.PERSON, holder_name="张三丰",
                                 holder_id_number="530103199001011234", data=result_surface(ResultFacts(
                                     type_code="BUSINESS_LICENCE", item_name="个体工商户设立登记",
                                     holder_is_person=True, holder_name="张三丰", district_code="530103",
                                     decided_on="2026年12月7日", serial=1234,
                                     form={"名称": "盘龙区老张小吃店", "经营场所": "拓东路88号",
                                           "经营范围": "小吃服务；食品销售（仅销售预包装食品）" * 4}))),
        "SOCIAL_SECURITY_CARD": dict(holder_kind=HolderKind.PERSON, holder_name="李华",
                                     holder_id_number="530103199001011234", data={"卡号": "A12345678"}),
        "APPROVAL_DECISION": dict(holder_kind=HolderKind.ENTERPRISE, holder_name="昆明春城云创科技有限公司",
                                  holder_credit_code="91530103MA6K000001",
                                  data={"许可事项": "排污许可", "许可内容": "准予排污许可"}),
    }
    for code, fields in samples.items():
        spec = STANDARD_TYPES[code]
        licence = Licence(licence_type=LicenceType(code=code, name=spec.name, holder_kind=spec.holder_kind,
                                                   document_kind=spec.document_kind),
                          document_kind=spec.document_kind, number="5301032026120712345678",
                          issuer_name="盘龙区市场监督管理局", issued_on=date(2026, 12, 7),
                          valid_from=date(2026, 12, 7), verification_code="ABCDEFGHJKMNPQRS",
                          source_ref="53010320261207000001", **fields)
        print(f"\n{code} ({spec.name})")
        line("sign content (Ed25519)", timed(lambda licence=licence: licence_sign(licence), args.rounds))
        line("check signature (verification page)",
             timed(lambda licence=licence: signature_check(licence), args.rounds))
        seal.seal_png.cache_clear()
        line("seal image, first draw per issuer", timed(lambda: (seal.seal_png.cache_clear(),
                                                              seal.seal_png("盘龙区市场监督管理局", "电子证照专用章")),
                                                       max(3, args.rounds // 4)))
        line("render HTML (QR code, seal cached)", timed(lambda licence=licence: document_html(licence), args.rounds))
        sizes: list[int] = []
        line("render PDF (WeasyPrint)",
             timed(lambda licence=licence, sizes=sizes: sizes.append(len(document_pdf(licence))),
                   max(3, args.rounds // 4)),
             f"  size {statistics.median(sizes) / 1024:.0f} KiB" if sizes else "")


if __name__ == "__main__":
    main()
