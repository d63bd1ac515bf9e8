"""A known service's name followed closely by a random-looking token (used by ``secret_shapes``).

Secret scanners (Kingfisher, Nosey Parker, Gitleaks) match most providers as *the provider's
name, up to ~32 characters of anything, then a token of the provider's shape*. This module
does the same once for all providers: a service name (the detect-secrets plugins and the
Kingfisher/Nosey Parker rule files it was designed on; names that are plain English words such
as ``line`` or ``front``, and code hosts whose hex strings are commit SHAs, left out), then on
the same line within 40 characters a token that looks random (``secret_values.random_tail``,
or 32+ mixed-case letters with a random string's entropy) or is UUID-shaped: ``wandb <hex>``,
``square EAAA...``, ``postmark: "<uuid>"``, ``beamer = b_<letters>``, ``graphhopperSECRET...``.

It stays quiet when a word between the name and the token says the value is not a secret
(``stripe customer id ...``, ``azure tenant <uuid>``, ``sha256``, ``commit``), when the
token is part of a URL or path, and for made-up values (alphabet runs, repeats, sequences,
``EXAMPLE``). Cost: one bounded token pattern per line that already holds a 20-character token,
then a look at the 48 characters before each token.
"""

from __future__ import annotations

import re

from detect_secrets.filters.heuristic import is_sequential_string
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

from detectors.secret_values import alphabet_run, is_example, random_tail, word_like

PROVIDERS = frozenset(
    """
    adafruit adafruitio adobe airbrake airtable aiven algolia alibaba amazon anthropic anypoint
    apifonica apify apilayer apimetrics apitemplate appfollow appointedd appoptics appsynergy
    artifactory asana asanaoauth assemblyai atera atlassian audd auth0 autoklose avaza aviationstack
    aws axonaut ayrshare azure azuredevops azureopenai azuresearchquery azurestorage bannerbear
    baremetrics beamer beebole besnappy besttime betterstack bitbar bitbucket bitcoinaverage
    bitlyaccesstoken blazemeter blitapp blocknative blogger blynk bombbomb boostnote borgbase
    brandfetch browshot bscscan buddyns budibase bugherd bugsnag buildkite bulbul buttercms caflou
    calendarific calendlyapikey calorieninja campayn cannyio capsulecrm carboninterface
    centralstationcrm chartmogul chatfule checio checklyhq circleci clarifai clearbit clickup
    cliengo clockify cloudant cloudconvert cloudflare cloudimage cloudmersive cloudplan cloudsight
    cloudsmith cloverly clustdoc codacy codeclimate codemagic codequiry coinapi coinbase coinlayer
    coinlib commercejs confluent contentful conversiontools convertapi convertkit countrylayer
    coveralls craftmypdf crowdin cryptocompare currencyfreaks currencylayer currencyscoop
    currentsapi d7network dailyco dandelion dareboost databox databricks datadog datagov debounce
    deepai deepgram detectify detectlanguage dfuse diffbot diggernaut digitalocean discord disqus
    dockerhub docparser documo doppler dronahq droneci dropbox dynalist dynatrace dyspatch
    eagleeyenetworks easypost ecostruxureit edenai elasticemail elevenlabs envoyapikey eraser
    etherscan ethplorer eventbrite everhour exchangerateapi exchangeratesapi extractorapi facebook
    fastforex fastly feedier fetchrss figma fileio finage financialmodelingprep findl finicity
    finnhub firecrawl fixerio flatio fleetbase flexport flickr flightapi flightlabs formbucket
    formcraft formio foursquare frameio fulcrum fullstory fxmarket gcp geckoboard geoapify geocode
    geocodify geoipifi getemail getgeoapi getgist getresponse gitalk gitter glassnode gocardless
    goodday google googleoauth2 gradle grafana graphhopper groovehq groq gtmetrix guardianapi
    gumroad gyazo happyscribe hashicorp hellosign helpcrunch helpscout hereapi heroku hiveage
    holidayapi honeycomb html2pdf hubspot huggingface hybiscus ibm iconfinder iexapis iexcloud
    imagekit imagga infura insightly instabot intercom interseller intrinio ipapi ipgeolocation
    ipinfo ipinfodb ipquality ipstack jina jira jotform jumpcloud jupiterone juro jwt kagi karmacrm
    kickbox klaviyo klipfolio knapsackpro kontent kylas languagelayer launchdarkly leadfeeder
    lemlist lemonsqueezy lendflow lessannoyingcrm lexigram linenotify linkedin linkpreview livestorm
    loadmill loginradius logzio lokalisetoken loyverse lunchmoney madkudu mailboxlayer mailchimp
    mailerlite mailgun mailjetbasicauth mailjetsms mailmodo mailsac mandrill mapbox mapquest
    marketstack mavenlink maxmind mediastack meistertask mesibo messagebird metrilo microsoft
    microsoftteamswebhook mindmeister miro mixmax mockaroo mongodb monkeylearn moonclerk moosend
    moralis myintervals newrelic npm nuget okta openai particle phpmailer postman postmark pypi
    rubygems salesforce sendgrid shopify slack softlayer sonarqube sourcegraph square stackhawk
    stripe tavily teamcity telegram thingsboard truenas twilio twitch twitter vmware
    """.split()  # noqa: SIM905 (a word list, not a literal to keep in sync)
)
"""Service names whose closely following random-looking token is taken for their credential."""

_ENTROPY = Base64HighEntropyString()
_WINDOW = 48
_MAX_GAP = 40
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9+/.@#%$])(?P<token>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9+/]{20,400}={0,2})(?![A-Za-z0-9+/=-]|\.[A-Za-z0-9])"
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-")
_PART = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+[0-9]*(?![a-z])")
_WORD = re.compile(r"[A-Za-z0-9]+")
# The UUIDs of Wikipedia's and RFC 4122's examples, copied into docs as placeholder keys
_EXAMPLE_UUIDS = frozenset(
    ("123e4567-e89b-12d3-a456-426614174000", "550e8400-e29b-41d4-a716-446655440000")
)
_REPEATS = re.compile(r"(?i)x{4,}|(.)\1{5,}")
# Words between the name and the token that say the value is not a credential.
_NOT_SECRET = frozenset(
    """
    id ids uid uuid guid sha sha1 sha256 sha512 md5 hash digest checksum commit rev revision
    version build release tag image container pod node region zone tenant subscription
    project workspace org organization account customer user username email order invoice
    ticket issue request trace span session run job event message msg object file path url
    public pub publishable pk site model deployment endpoint instance cluster device serial
    fingerprint thumbprint signature sig cert certificate nonce salt iv transaction tx txid
    block address wallet channel chat group team app application client
    """.split()  # noqa: SIM905 (a word list, not a literal to keep in sync)
)


def provider_hits(text: str) -> list[tuple[str, int, int, float]]:
    """``(category, start, end, score)`` of tokens that a service's name closely precedes."""
    hits: list[tuple[str, int, int, float]] = []
    for match in _TOKEN.finditer(text):
        start, token = match.start(), match.group("token")
        window = text[max(0, start - _WINDOW) : start]
        if "/" in window[-3:] or "://" in window or not _random_token(token):
            continue
        gap_start = _provider_end(window)
        if gap_start < 0:
            continue
        gap = window[gap_start:]
        if len(gap) > _MAX_GAP or "\n" in gap or "/" in gap or "@" in gap:
            continue
        words = {w.lower() for w in _WORD.findall(gap)} | {p.lower() for p in _PART.findall(gap)}
        if words & _NOT_SECRET:
            continue
        hits.append(("API_KEY", start, match.end(), 0.7))
    return hits


def _provider_end(window: str) -> int:
    """Where the last service name in ``window`` ends (-1: none), camelCase parts included."""
    end = -1
    for word in _WORD.finditer(window):
        if word.group().lower() in PROVIDERS:
            end = word.end()
            continue
        for part in _PART.finditer(word.group()):
            if part.group().lower() in PROVIDERS:
                end = word.start() + part.end()
    return end


def _random_token(token: str) -> bool:
    """UUID-shaped, or random-looking; never a made-up or documented example value."""
    if is_example(token) or _REPEATS.search(token) or alphabet_run(token, 6):
        return False
    if is_sequential_string(token):
        return False
    if _UUID.match(token):
        return token.lower() not in _EXAMPLE_UUIDS
    plain = re.sub(r"[^A-Za-z0-9]", "", token)
    if random_tail(plain):
        return True
    return (
        len(plain) >= 32
        and plain.isalpha()
        and not plain.islower()
        and not plain.isupper()
        and not word_like(plain)
        and float(_ENTROPY.calculate_shannon_entropy(plain)) >= 4.2
    )
