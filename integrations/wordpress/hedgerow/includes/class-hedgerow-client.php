<?php
/**
 * HTTP calls to the Hedgerow service.
 *
 * @package Hedgerow
 */

defined( 'ABSPATH' ) || exit;

/**
 * Speaks to the service with a short timeout. Every failure comes back as a WP_Error
 * whose message names the transport error or HTTP status, never the secret.
 */
class Hedgerow_Client {

	/**
	 * Seconds a call may take before the comment is held instead: a visitor waits at most
	 * this long when the service is down or slow (filter: `hedgerow_timeout`).
	 */
	const TIMEOUT = 3;

	/**
	 * The plugin's settings.
	 *
	 * @var Hedgerow_Settings
	 */
	private $settings;

	/**
	 * Where failed calls are noted.
	 *
	 * @var Hedgerow_Outage
	 */
	private $outage;

	/**
	 * Builds a client.
	 *
	 * @param Hedgerow_Settings $settings The plugin's settings.
	 * @param Hedgerow_Outage   $outage   Where failed calls are noted.
	 */
	public function __construct( Hedgerow_Settings $settings, Hedgerow_Outage $outage ) {
		$this->settings = $settings;
		$this->outage   = $outage;
	}

	/**
	 * Checks a comment with `POST /v1/comment-check`; the captcha response in
	 * `$fields['response']` is verified and spent in the same call.
	 *
	 * @param array<string, string> $fields Akismet-named comment fields.
	 * @return array{action: string, score: float, reasons: string[], model: string}|WP_Error
	 */
	public function comment_check( array $fields ) {
		$reply = $this->post( '/v1/comment-check', $fields, true );
		if ( is_wp_error( $reply ) ) {
			return $reply;
		}
		$body = json_decode( $reply['body'], true );
		if ( 200 !== $reply['code'] || ! is_array( $body ) || ! isset( $body['action'] ) ) {
			return $this->http_error( $reply['code'], $body );
		}
		$reasons = array();
		if ( isset( $body['reasons'] ) && is_array( $body['reasons'] ) ) {
			foreach ( $body['reasons'] as $reason ) {
				if ( is_string( $reason ) ) {
					$reasons[] = $reason;
				}
			}
		}
		return array(
			'action'  => (string) $body['action'],
			'score'   => isset( $body['score'] ) ? (float) $body['score'] : 0.0,
			'reasons' => $reasons,
			'model'   => isset( $body['model'] ) ? (string) $body['model'] : '',
		);
	}

	/**
	 * Verifies a widget response with `POST /v1/siteverify` (login and registration forms).
	 *
	 * @param string $response  The widget's response token.
	 * @param string $remote_ip The visitor's IP address.
	 * @return array{success: bool, error-codes: string[]}|WP_Error
	 */
	public function siteverify( $response, $remote_ip ) {
		$reply = $this->post(
			'/v1/siteverify',
			array(
				'secret'   => $this->settings->secret(),
				'response' => $response,
				'remoteip' => $remote_ip,
			),
			false
		);
		if ( is_wp_error( $reply ) ) {
			return $reply;
		}
		$body = json_decode( $reply['body'], true );
		if ( ! is_array( $body ) || ! isset( $body['success'] ) || $reply['code'] >= 500 ) {
			return $this->http_error( $reply['code'], $body );
		}
		return array(
			'success'     => true === $body['success'],
			'error-codes' => isset( $body['error-codes'] ) ? array_map( 'strval', (array) $body['error-codes'] ) : array(),
		);
	}

	/**
	 * Asks `POST /1.1/verify-key` whether the secret belongs to this site's origin.
	 *
	 * @return true|WP_Error True when the service says `valid`.
	 */
	public function verify_key() {
		$reply = $this->post(
			'/1.1/verify-key',
			array(
				'key'  => $this->settings->secret(),
				'blog' => $this->settings->blog_origin(),
			),
			false
		);
		if ( is_wp_error( $reply ) ) {
			return $reply;
		}
		if ( 'valid' === trim( $reply['body'] ) ) {
			return true;
		}
		$help = $reply['help'];
		if ( '' === $help ) {
			/* translators: %d: HTTP status code. */
			$help = sprintf( __( 'The service answered with HTTP status %d.', 'hedgerow' ), $reply['code'] );
		}
		return new WP_Error( 'hedgerow_invalid_key', $help );
	}

	/**
	 * Sends a moderator's verdict with `POST /1.1/submit-spam` or `/1.1/submit-ham`.
	 *
	 * @param string                $label  Either `spam` or `ham`.
	 * @param array<string, string> $fields Akismet-named comment fields.
	 * @return true|WP_Error
	 */
	public function submit( $label, array $fields ) {
		$path  = 'spam' === $label ? '/1.1/submit-spam' : '/1.1/submit-ham';
		$reply = $this->post(
			$path,
			array_merge(
				$fields,
				array(
					'api_key' => $this->settings->secret(),
					'blog'    => $this->settings->blog_origin(),
				)
			),
			false
		);
		if ( is_wp_error( $reply ) ) {
			return $reply;
		}
		if ( 200 !== $reply['code'] || 'invalid' === trim( $reply['body'] ) ) {
			$help = '' !== $reply['help'] ? $reply['help'] : 'HTTP ' . $reply['code'];
			return new WP_Error( 'hedgerow_feedback', $help );
		}
		return true;
	}

	/**
	 * Whether the service answers at all (`GET /healthz`), within the short timeout.
	 *
	 * @return true|WP_Error True when it answers 200, else why not.
	 */
	public function reachable() {
		$reply = $this->quietly(
			'wp_remote_get',
			$this->settings->url() . '/healthz',
			array(
				'timeout'     => $this->timeout(),
				'redirection' => 0,
			)
		);
		if ( is_wp_error( $reply ) ) {
			return new WP_Error( 'hedgerow_unreachable', $reply->get_error_message() );
		}
		$code = (int) wp_remote_retrieve_response_code( $reply );
		return 200 === $code ? true : new WP_Error( 'hedgerow_unreachable', 'HTTP ' . $code );
	}

	/**
	 * Makes an HTTP call through WordPress without letting WordPress 6.1's bundled
	 * Requests library print its PHP 8.2 deprecations ("Return type of
	 * Requests_Cookie_Jar::offsetGet … should be compatible") into the page. Under
	 * WP_DEBUG they are printed when the library is first loaded, which is during this
	 * plugin's call on a public form: the output breaks the redirect after a comment and
	 * the login cookie. Only deprecations raised from that library's own files are
	 * dropped; everything else goes to PHP's handler as before.
	 *
	 * @param callable $call      Either wp_remote_get or wp_remote_post.
	 * @param string   $url       The URL.
	 * @param array    $arguments The request's arguments.
	 * @return array|WP_Error
	 */
	private function quietly( $call, $url, array $arguments ) {
		$library = wp_normalize_path( ABSPATH . WPINC ) . '/';
		// phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_set_error_handler -- scoped to one call, restored below.
		set_error_handler(
			static function ( $errno, $errstr, $errfile ) use ( $library ) {
				$file = wp_normalize_path( (string) $errfile );
				return 0 === strpos( $file, $library . 'Requests/' ) || $file === $library . 'class-requests.php';
			},
			E_DEPRECATED
		);
		try {
			return $call( $url, $arguments );
		} finally {
			restore_error_handler();
		}
	}

	/**
	 * Seconds a call may take.
	 *
	 * @return float
	 */
	private function timeout() {
		/**
		 * Filters how many seconds a call to Hedgerow may take before it counts as failed.
		 *
		 * @param float $seconds Default 3.
		 */
		return (float) apply_filters( 'hedgerow_timeout', self::TIMEOUT );
	}

	/**
	 * Notes a failed call for the admin notice.
	 *
	 * @param WP_Error $error The failure.
	 * @param bool     $held  Whether a comment was held because of it.
	 */
	public function note_failure( WP_Error $error, $held ) {
		$this->outage->record( $error->get_error_message(), $held );
	}

	/**
	 * Notes that the service answered.
	 */
	public function note_success() {
		$this->outage->clear();
	}

	/**
	 * Posts a form to the service.
	 *
	 * @param string                $path   Path under the service URL.
	 * @param array<string, string> $fields Form fields.
	 * @param bool                  $bearer Whether to send the secret as a bearer token.
	 * @return array{code: int, body: string, help: string}|WP_Error
	 */
	private function post( $path, array $fields, $bearer ) {
		$headers = array();
		if ( $bearer ) {
			$headers['Authorization'] = 'Bearer ' . $this->settings->secret();
		}
		$reply = $this->quietly(
			'wp_remote_post',
			$this->settings->url() . $path,
			array(
				'timeout'     => $this->timeout(),
				'redirection' => 0,
				'headers'     => $headers,
				'body'        => $fields,
			)
		);
		if ( is_wp_error( $reply ) ) {
			return new WP_Error( 'hedgerow_unreachable', $reply->get_error_message() );
		}
		return array(
			'code' => (int) wp_remote_retrieve_response_code( $reply ),
			'body' => (string) wp_remote_retrieve_body( $reply ),
			'help' => (string) wp_remote_retrieve_header( $reply, 'x-akismet-debug-help' ),
		);
	}

	/**
	 * A WP_Error for an unexpected answer, naming the status and the service's error codes.
	 *
	 * @param int   $code HTTP status.
	 * @param mixed $body The decoded JSON body, if any.
	 * @return WP_Error
	 */
	private function http_error( $code, $body ) {
		$detail = '';
		if ( is_array( $body ) && isset( $body['error-codes'] ) ) {
			$detail = ' ' . implode( ', ', array_map( 'strval', (array) $body['error-codes'] ) );
		}
		return new WP_Error( 'hedgerow_http', 'HTTP ' . $code . $detail );
	}
}
