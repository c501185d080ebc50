"""The answer page, used as a person would: start `medcot app` on localhost, drive it in headless Chromium, check it.

    python .ci/app_check.py [MODEL]

`.ci/run` passes the adapter that the README's `medcot demo` command trained earlier in its fresh clone
(SmolLM2-135M-Instruct, which writes <think>/<response>). MODEL defaults to `.ci/out/demo/model` if it exists, else
the base `smollm2-135m`. Playwright drives Debian's `chromium` (its own browser
download cannot run here). Fails if the page does not load, the not-for-clinical-use notice is not visible, an empty
question gets no message, or an example question does not end with its answer shown (and, for a model that writes the
tags, its reasoning in the reasoning panel). Screenshots and the server log go to .ci/out/app/ (ignored)."""
import os, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT/'.ci'/'out'/'app'
QUESTION = "A 45-year-old man has crushing chest pain radiating to his left arm, with sweating, for 30 minutes. What is the next step?"

def free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def wait_for(url:str, proc, seconds:int=300):
    "Wait until `url` answers (the model loads first), or fail if the server dies"
    t0 = time.time()
    while time.time() - t0 < seconds:
        if proc.poll() is not None: sys.exit(f'app check: the server exited with {proc.returncode}: see {OUT}/server.log')
        try: urllib.request.urlopen(url, timeout=5); return time.time() - t0
        except OSError: time.sleep(1)
    sys.exit(f'app check: {url} did not answer in {seconds} s')

def text(page, sel:str) -> str: return page.locator(sel).inner_text().strip()

def finished(page, seconds:int=300):
    "Wait until no output of the page is pending or generating (Gradio marks them while an event runs)"
    page.wait_for_timeout(500)
    page.wait_for_function("document.querySelectorAll('.generating, .pending').length == 0", timeout=seconds * 1000)

def main():
    from playwright.sync_api import sync_playwright
    model = sys.argv[1] if len(sys.argv) > 1 else ('.ci/out/demo/model' if (ROOT/'.ci/out/demo/model').exists() else 'smollm2-135m')
    tagged = model != 'smollm2-135m'  # the demo adapter writes <think>/<response>; the base model does not
    chromium = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    if not chromium: sys.exit('app check: no chromium on PATH')
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port(); url = f'http://127.0.0.1:{port}/'
    env = dict(os.environ, HF_HUB_OFFLINE='1', TRANSFORMERS_OFFLINE='1', GRADIO_ANALYTICS_ENABLED='False')
    with open(OUT/'server.log', 'w') as log:
        proc = subprocess.Popen(['medcot', 'app', model, '--port', str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        print(f'app check: serving {model} on {url}; up after {wait_for(url, proc):.0f} s', flush=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=['--no-sandbox', '--disable-dev-shm-usage'])
            page = browser.new_page(viewport={'width': 1280, 'height': 1000})
            page.goto(url); page.wait_for_selector('#ask', timeout=60_000)
            notice = page.get_by_text('Not for clinical use')
            if not notice.is_visible(): sys.exit('app check: the not-for-clinical-use notice is not visible')
            page.click('#ask'); finished(page, 30)
            if text(page, '#note') != 'Please type a question.': sys.exit(f"app check: an empty question got {text(page, '#note')!r}")
            page.locator('#max-new-tokens input[type=number]').fill('192'); page.keyboard.press('Enter')
            page.locator('#question textarea').fill(QUESTION)
            t0 = time.time(); page.click('#ask')
            finished(page); total = time.time() - t0
            answer = text(page, '#answer')
            page.locator('#reasoning-panel').get_by_text('Reasoning', exact=True).click()
            page.wait_for_selector('#reasoning', timeout=10_000)
            reasoning = text(page, '#reasoning')
            note = text(page, '#note')
            page.screenshot(path=str(OUT/'answer.png'), full_page=True)
            browser.close()
        print(f'app check: the answer was complete {total:.0f} s after the click')
        print(f'  reasoning ({len(reasoning)} chars): {reasoning[:160]!r}\n  answer ({len(answer)} chars): {answer[:160]!r}\n  note: {note!r}')
        if tagged and not (reasoning and answer): sys.exit('app check: the reasoning and answer panels are not both filled')
        if not tagged and not answer: sys.exit('app check: no answer shown')
        print(f'app check: ok; screenshots in {OUT}')
    finally:
        proc.terminate(); proc.wait(30)

if __name__ == '__main__': main()
