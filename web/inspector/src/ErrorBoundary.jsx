import { Component } from 'react';

/** A fault in the page says so instead of leaving a blank screen. */
export class ErrorBoundary extends Component {
  state = { error: null };

  static getDerivedStateFromError(error) {
    return { error };
  }

  render() {
    if (this.state.error) {
      return (
        <main className="sign-in" id="main">
          <h1>Ledger Webhook Inspector</h1>
          <p className="error" role="alert">
            The page hit an error: {String(this.state.error.message ?? this.state.error)}. Reload to try again.
          </p>
        </main>
      );
    }
    return this.props.children;
  }
}
