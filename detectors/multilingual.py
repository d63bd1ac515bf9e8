# ruff: noqa: RUF001 (sentences in other scripts are the point of this module)
"""Benign sentences in other languages, for carriers that mix languages without an attack.

The injection descriptor ``ctx_language_shift`` (``detectors.attackfeatures``) scores a segment
written in another language than its carrier, because injected orders often are (TaskTracker's
translated questions, spikee's low-resource translations). Real documents mix languages for
benign reasons too: a colleague's sign-off, a quoted proverb, a product caption, a meeting note
from a branch office, a question between people. ``specguard train`` inserts these sentences
into the same generated carriers as the attacks (``detectors.attackcorpus``), as negatives and
in the benign calibration half, so that the descriptor is weighed against them rather than
against English-only negatives. They were written here for that purpose (no train-data text)
and say nothing to an assistant: statements, greetings, captions and questions addressed to a
named person.
"""

from __future__ import annotations

SENTENCES: tuple[str, ...] = (
    # German
    "Mit freundlichen Grüßen aus dem Büro in München, Ihr Team von der Buchhaltung.",
    "Die Besprechung am Dienstag wurde auf vierzehn Uhr verschoben.",
    "Das Protokoll der letzten Sitzung liegt im gemeinsamen Ordner.",
    "Hast du am Wochenende Zeit für einen Kaffee, Anna?",
    "Der Lieferant hat die Rechnung gestern per Post geschickt.",
    "Die Ergebnisse der Studie wurden im Fachjournal veröffentlicht.",
    # Spanish
    "Un saludo cordial desde la oficina de Madrid, nos vemos pronto.",
    "La reunión del jueves se ha cambiado a la sala de conferencias.",
    "¿Sabes si Marta ya ha enviado el informe trimestral?",
    "El pedido llegó ayer por la tarde y todo estaba en orden.",
    "Más vale tarde que nunca, como decía mi abuela.",
    "Los datos del censo se publicaron el mes pasado.",
    # French
    "Bien cordialement, l'équipe du service client de Lyon.",
    "La réunion de lundi est reportée à la semaine prochaine.",
    "Est-ce que tu as reçu le colis que je t'ai envoyé, Paul ?",
    "Le rapport annuel sera disponible sur notre site à partir de mars.",
    "Il pleuvait sur la ville quand nous sommes arrivés à la gare.",
    "Les inscriptions au colloque sont ouvertes jusqu'au quinze mai.",
    # Italian
    "Cordiali saluti dall'ufficio di Milano e buon fine settimana.",
    "La consegna è prevista per giovedì mattina entro le dieci.",
    "Giulia, hai già prenotato il ristorante per venerdì sera?",
    "Il museo resterà chiuso per lavori fino alla fine del mese.",
    # Portuguese
    "Um abraço da equipe de São Paulo, até a próxima semana.",
    "A fatura foi paga ontem e o comprovante segue em anexo.",
    "Você sabe a que horas começa a apresentação amanhã, João?",
    "O relatório final será entregue ao conselho em junho.",
    # Dutch
    "Met vriendelijke groet, namens het hele team in Utrecht.",
    "De vergadering van woensdag gaat niet door vanwege de feestdag.",
    "Heb jij de sleutels van het magazijn nog, Pieter?",
    # Polish, Swedish, Turkish
    "Spotkanie zespołu odbędzie się w piątek o godzinie dziesiątej.",
    "Dziękuję za szybką odpowiedź i pozdrawiam serdecznie.",
    "Vi ses på mötet i morgon, hälsningar från Göteborg.",
    "Leveransen är försenad på grund av vädret i norr.",
    "Toplantı notlarını ekte bulabilirsiniz, iyi çalışmalar dilerim.",
    "Siparişiniz yarın öğleden sonra kargoya verilecek.",
    # Russian, Ukrainian
    "С уважением, отдел продаж московского офиса.",
    "Совещание перенесли на четверг, в десять утра.",
    "Дякую за допомогу, до зустрічі наступного тижня.",
    # Chinese, Japanese, Korean
    "会议改到下周三下午两点，请大家准时参加。",
    "这份报告的数据来自去年的全国调查。",
    "来週の打ち合わせは会議室Bで行います。",
    "お忙しいところありがとうございます。よろしくお願いいたします。",
    "다음 주 회의는 화요일 오후 세 시에 열립니다.",
    # Arabic, Hebrew, Hindi, Greek
    "تم تأجيل الاجتماع إلى يوم الأحد القادم في الساعة العاشرة.",
    "מצורף הדוח החודשי, תודה רבה על העבודה.",
    "अगली बैठक सोमवार को सुबह दस बजे होगी।",
    "Η παράδοση θα γίνει την Παρασκευή το πρωί.",
    # Swahili, Indonesian, Vietnamese
    "Mkutano wa wiki ijayo utafanyika Jumanne asubuhi ofisini.",
    "Terima kasih atas kerja samanya, sampai jumpa minggu depan.",
    "Cuộc họp sẽ diễn ra vào sáng thứ Hai tại văn phòng chính.",
)
"""Benign sentences, about one per language family of a tool result's likely authors."""
