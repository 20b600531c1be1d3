"""Demo mediation: a street mediation committee under 北院门 and one under 青年路, with cases at each stage.

北院门: worker1's shutdown-wages case in mediation (a session, the thread with a one-sided caucus), an oral
application waiting for acceptance, a collective dispute of 12 workers (the warning to 莲湖区), and an agreed
case with its payments, and worker1's negotiation request waiting for the employer. 青年路: worker2's case and
negotiation. Employer representatives: `hr_meilihao` (worker1's
employer) and `hr_qingnian` (worker2's). Mediators: `tiaojie` (北院门), the official `qingnianlu` (青年路).
"""

from __future__ import annotations

import io
import math
from datetime import timedelta  # demo data only: sample dates, not clocks

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from gonghui.mediation import services
from gonghui.mediation.models import MediationBody, Session
from gonghui.orgs import services as orgs_services
from gonghui.orgs.models import Enterprise, Person, Unit, User

FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
         "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def seal_png(text: str) -> bytes:
    """A round red seal image (synthetic, for the demo): ring, star and the body's name along the rim."""
    from PIL import Image, ImageDraw, ImageFont

    size = 400
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 16, 16, 255)
    draw.ellipse((10, 10, size - 10, size - 10), outline=red, width=14)
    centre, radius = size / 2, 52
    points = [(centre + radius * math.cos(math.radians(-90 + i * 36)) * (1 if i % 2 == 0 else 0.4),
               centre + radius * math.sin(math.radians(-90 + i * 36)) * (1 if i % 2 == 0 else 0.4)) for i in range(10)]
    draw.polygon(points, fill=red)
    font = None
    for path in FONTS:
        try:
            font = ImageFont.truetype(path, 34)
            break
        except OSError:
            continue
    if font is not None:
        span = 240
        for index, char in enumerate(text):
            angle = math.radians(-90 - span / 2 + span * (index + 0.5) / len(text))
            x, y = centre + 140 * math.cos(angle), centre + 140 * math.sin(angle)
            glyph = Image.new("RGBA", (44, 44), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((22, 22), char, font=font, fill=red, anchor="mm")
            glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
            image.alpha_composite(glyph, (int(x - 22), int(y - 22)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _employer_rep(admin: User, enterprise: Enterprise, username: str, name: str, phone: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = orgs_services.appoint_employer_representative(actor=admin, enterprise=enterprise, username=username,
                                                             display_name=name, phone=phone)
        User.objects.filter(pk=user.pk).update(password=make_password(settings.GONGHUI_DEMO_PASSWORD))
    return user


def _body(admin: User, street_code: str, name: str, commission: str) -> MediationBody | None:
    street = Unit.objects.filter(code=street_code).first()
    if street is None:
        return None
    body = services.create_body(actor=admin, unit=street, name=name, kind=MediationBody.Kind.STREET,
                                arbitration_commission=commission, address=street.address, phone="029-87270000")
    upload = SimpleUploadedFile("seal.png", seal_png(name.removesuffix("委员会")), content_type="image/png")
    services.set_seal(actor=admin, body=body, upload=upload)
    return body


@transaction.atomic
def build() -> dict[str, int]:
    if MediationBody.objects.exists():
        return {"cases": 0}
    admin = User.objects.get(username="admin")
    worker1, worker2 = User.objects.filter(username="worker1").first(), User.objects.filter(username="worker2").first()
    beiyuanmen = _body(admin, "610104001", "北院门街道劳动争议调解委员会", "西安市莲湖区劳动人事争议仲裁委员会")
    qingnianlu = _body(admin, "610104002", "青年路街道劳动争议调解委员会", "西安市莲湖区劳动人事争议仲裁委员会")
    if beiyuanmen is None or qingnianlu is None or worker1 is None or worker2 is None:
        return {"cases": 0}
    mediator = User.objects.get(username="tiaojie")
    services.add_mediator(actor=admin, body=beiyuanmen, user=mediator)
    services.add_mediator(actor=admin, body=qingnianlu, user=User.objects.get(username="qingnianlu"))
    employer1 = Person.objects.get(user=worker1).employer
    employer2 = Person.objects.get(user=worker2).employer
    hr1 = _employer_rep(admin, employer1, "hr_meilihao", "何人事", "13700000031")
    hr2 = _employer_rep(admin, employer2, "hr_qingnian", "秦人事", "13700000032")
    today = timezone.localdate()
    made = 0

    # 北院门 — worker1: wages during the shutdown, in mediation, a session tomorrow, the thread.
    case = services.apply_online(
        actor=worker1, body=beiyuanmen, employer=employer1, category="shutdown_wages",
        claims="补发2020年2月停工期间工资 3,600 元", facts="疫情期间酒店停业，2月份未发工资，也未安排轮岗。",
        knew_on=today - timedelta(days=40), amount_claimed="3600")
    services.answer_mediation(actor=hr1, case=case, agree=True)
    services.decide_acceptance(actor=mediator, case=case, accept=True, in_scope=True)
    services.assign_mediator(actor=mediator, case=case, mediator=mediator,
                             declaration="本人与本案当事人无近亲属关系，不受雇于任何一方，与本案无利害关系。")
    services.schedule_session(actor=mediator, case=case, mode=Session.Mode.ONLINE,
                              starts_at=timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1),
                              place="https://meeting.example.cn/j/610104001")
    services.post_message(actor=worker1, case=case, text="附2月份工资条照片，请调解员查收。")
    services.post_message(actor=mediator, case=case, audience="employer",
                          text="背对背沟通：请单位测算停工第一个工资支付周期的工资，能否按原标准支付？")
    made += 1

    # 北院门 — worker1 also asks the employer to negotiate the annual leave owed; no answer yet.
    services.request_negotiation(actor=worker1, person=Person.objects.get(user=worker1), employer=employer1,
                                 category="hours", claims="安排2019年未休年休假 5 天或按规定支付报酬",
                                 union_assist=False)

    # 北院门 — an earlier case of worker1, agreed, sealed and paid.
    done = services.apply_online(
        actor=worker1, body=beiyuanmen, employer=employer1, category="hours", claims="支付春节值班加班费 900 元",
        facts="春节期间值班三天，未支付加班费。", knew_on=today - timedelta(days=60), amount_claimed="900")
    services.answer_mediation(actor=hr1, case=done, agree=True)
    services.decide_acceptance(actor=mediator, case=done, accept=True, in_scope=True)
    services.assign_mediator(actor=mediator, case=done, mediator=mediator, declaration="与当事人无利害关系。")
    agreement = services.draft_agreement(actor=mediator, case=done, terms="用人单位于三日内支付加班费 900 元。", payments=[
        services.PaymentTerm(kind="wages", amount="900", due_on=today + timedelta(days=3))])
    services.confirm_agreement(actor=worker1, case=done)
    services.confirm_agreement(actor=hr1, case=done)
    services.sign_and_seal(actor=mediator, case=done)
    services.report_payment(actor=worker1, case=done, payment_id=agreement.payments.get().pk, paid=True)
    made += 1

    # 北院门 — an oral application recorded at the desk, waiting for the acceptance decision.
    others = list(Person.objects.filter(employer=employer1, user__isnull=True).order_by("id")[:13])
    if others:
        services.record_oral_application(
            actor=mediator, body=beiyuanmen, employer=employer1, category="social_insurance",
            applicants=[services.Applicant(name=others[0].name, id_number=others[0].id_number)],
            claims="补缴2019年社会保险", facts="入职后单位未缴纳社会保险。", knew_on=today - timedelta(days=100))
        made += 1
    # 北院门 — a collective dispute: 12 workers with a common claim (the warning goes to 莲湖区).
    if len(others) >= 13:
        collective = services.record_oral_application(
            actor=mediator, body=beiyuanmen, employer=employer1, category="wages",
            applicants=[services.Applicant(name=p.name, id_number=p.id_number) for p in others[1:13]],
            claims="支付拖欠的2020年1月至3月工资", facts="单位以疫情为由连续三个月未发工资。",
            knew_on=today - timedelta(days=20))
        made += 1
        services.confirm_record(actor=mediator, case=collective, in_person_by_staff=True)

    # 青年路 — worker2: negotiation answered, then a case in mediation with a session and a caucus message.
    chief = User.objects.get(username="qingnianlu")
    negotiation = services.request_negotiation(actor=worker2, person=Person.objects.get(user=worker2),
                                               employer=employer2, category="hours",
                                               claims="支付春节期间加班工资", union_assist=True)
    services.answer_negotiation(actor=hr2, negotiation=negotiation, agree=True, answer="同意面谈")
    services.end_negotiation(actor=hr2, negotiation=negotiation)
    case2 = services.apply_online(
        actor=worker2, body=qingnianlu, employer=employer2, category="hours", negotiation=negotiation,
        claims="支付春节期间加班工资 1,200 元", facts="春节期间连续值班 6 天，未安排补休也未支付加班费。",
        knew_on=today - timedelta(days=30), amount_claimed="1200")
    services.answer_mediation(actor=hr2, case=case2, agree=True)
    services.decide_acceptance(actor=chief, case=case2, accept=True, in_scope=True)
    services.assign_mediator(actor=chief, case=case2, mediator=chief, declaration="本人与本案当事人无利害关系。")
    services.schedule_session(actor=chief, case=case2, mode=Session.Mode.PHONE,
                              starts_at=timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2),
                              place="电话 029-87270000")
    services.post_message(actor=worker2, case=case2, audience="worker", text="背对背：我可以接受分两次支付。")
    services.draft_agreement(actor=chief, case=case2, terms="用人单位支付加班工资 1,200 元。", payments=[
        services.PaymentTerm(kind="wages", amount="1200", due_on=today + timedelta(days=10))])
    made += 1
    return {"cases": made, "bodies": 2}
