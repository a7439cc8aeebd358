// The sign-in page: the access-token form and, when /config.json names an OIDC issuer, the
// "Sign in with <provider>" button (oidc.js). It only decides how a token is obtained and
// shows why one was refused; what signing in and out does to the page is app.js's.

import { token } from './api.js';
import { OidcError, beginSignIn, finishSignIn } from './oidc.js';
import { $ } from './dom.js';

export class SignInPage {
  /**
   * @param {{list: () => Promise<object>, enter: (firstList?: object) => void}} deps list
   *   calls listenvs with the token just set; enter opens the app, with the first list when known.
   */
  constructor({ list, enter }) {
    this.list = list;
    this.enter = enter;
    $('#signin-form').addEventListener('submit', (e) => this.onSubmit(e));
  }

  /** Shows the page with message; tokenProblem marks the token field as the cause. */
  show(message, tokenProblem = true) {
    $('#app-view').hidden = true;
    $('#session').hidden = true;
    $('#signin-view').hidden = false;
    const error = $('#token-error');
    error.textContent = message;
    error.hidden = !message;
    const input = $('#token');
    input.value = '';
    input.setAttribute('aria-invalid', String(Boolean(message) && tokenProblem));
    input.focus();
  }

  hide() {
    $('#signin-view').hidden = true;
    $('#token-error').hidden = true;
  }

  /** Offers "Sign in with <provider>" when /config.json names an OIDC issuer and client. */
  offerOidc(oidc) {
    if (!oidc) return;
    const button = $('#oidc-sign-in');
    button.textContent = `Sign in with ${oidc.provider || 'your identity provider'}`;
    $('#sign-in').classList.remove('btn-primary'); // one primary action: the provider's
    $('#oidc-block').hidden = false;
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await beginSignIn(oidc); // navigates away
      } catch (err) {
        button.disabled = false;
        this.show(err instanceof OidcError ? err.message : `The sign-in could not start: ${err.message}`, false);
      }
    });
  }

  /**
   * Back from the identity provider, the ID token becomes this tab's token. Returns what
   * went wrong, in words for the page, or ''.
   */
  async finishOidc() {
    try {
      const idToken = await finishSignIn();
      if (idToken) token.set(idToken);
      return '';
    } catch (err) {
      return err instanceof OidcError ? err.message : `The sign-in could not be finished: ${err.message}`;
    }
  }

  async onSubmit(e) {
    e.preventDefault();
    const input = $('#token');
    const value = input.value.trim();
    const error = $('#token-error');
    if (!value) {
      error.textContent = 'Enter the access token you were given.';
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    const button = $('#sign-in');
    button.disabled = true;
    button.textContent = 'Signing in…';
    token.set(value);
    try {
      this.enter(await this.list());
    } catch (err) {
      if (err.status === 401) {
        token.clear();
        this.show('Your token was not accepted. Check it and try again.');
      } else {
        // The token may be fine and the service briefly unavailable: go in and show why.
        this.enter(undefined);
      }
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  }
}
