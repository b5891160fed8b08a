<?php
/**
 * The settings page, the connection test, the outage notice and the comment list column.
 *
 * @package Hedgerow
 */

defined( 'ABSPATH' ) || exit;

/**
 * Everything the plugin adds to wp-admin.
 */
class Hedgerow_Admin {

	const PAGE = 'hedgerow';

	/**
	 * The plugin's settings.
	 *
	 * @var Hedgerow_Settings
	 */
	private $settings;

	/**
	 * The service client.
	 *
	 * @var Hedgerow_Client
	 */
	private $client;

	/**
	 * The outage record.
	 *
	 * @var Hedgerow_Outage
	 */
	private $outage;

	/**
	 * Builds the admin side.
	 *
	 * @param Hedgerow_Settings $settings The plugin's settings.
	 * @param Hedgerow_Client   $client   The service client.
	 * @param Hedgerow_Outage   $outage   The outage record.
	 */
	public function __construct( Hedgerow_Settings $settings, Hedgerow_Client $client, Hedgerow_Outage $outage ) {
		$this->settings = $settings;
		$this->client   = $client;
		$this->outage   = $outage;
	}

	/**
	 * Adds the hooks.
	 */
	public function register() {
		add_action( 'admin_menu', array( $this, 'menu' ) );
		add_action( 'admin_init', array( $this, 'register_setting' ) );
		add_action( 'admin_post_hedgerow_test_connection', array( $this, 'test_connection' ) );
		add_action( 'admin_notices', array( $this, 'notices' ) );
		add_filter( 'manage_edit-comments_columns', array( $this, 'columns' ) );
		add_action( 'manage_comments_custom_column', array( $this, 'column' ), 10, 2 );
		add_filter( 'plugin_action_links_' . plugin_basename( HEDGEROW_FILE ), array( $this, 'action_links' ) );
	}

	/**
	 * Settings → Hedgerow.
	 */
	public function menu() {
		add_options_page(
			__( 'Hedgerow', 'hedgerow' ),
			__( 'Hedgerow', 'hedgerow' ),
			'manage_options',
			self::PAGE,
			array( $this, 'page' )
		);
	}

	/**
	 * A "Settings" link on the Plugins screen.
	 *
	 * @param string[] $links The plugin's action links.
	 * @return string[]
	 */
	public function action_links( $links ) {
		$url = admin_url( 'options-general.php?page=' . self::PAGE );
		array_unshift( $links, '<a href="' . esc_url( $url ) . '">' . esc_html__( 'Settings', 'hedgerow' ) . '</a>' );
		return $links;
	}

	/**
	 * Registers the option with its sanitizer.
	 */
	public function register_setting() {
		register_setting(
			self::PAGE,
			Hedgerow_Settings::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( $this->settings, 'sanitize' ),
				'show_in_rest'      => false,
			)
		);
	}

	/**
	 * The settings page. The secret field is always empty: a stored secret is only
	 * said to exist.
	 */
	public function page() {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		$all    = $this->settings->all();
		$name   = Hedgerow_Settings::OPTION;
		$labels = array(
			'comments'     => __( 'Comment form', 'hedgerow' ),
			'login'        => __( 'Login form', 'hedgerow' ),
			'register'     => __( 'Registration form', 'hedgerow' ),
			'lostpassword' => __( 'Lost password form', 'hedgerow' ),
		);
		?>
		<div class="wrap">
			<h1><?php esc_html_e( 'Hedgerow', 'hedgerow' ); ?></h1>
			<p><?php esc_html_e( 'Your own Hedgerow service shows a short question on the forms you choose and checks every comment for spam. Register this site with it first:', 'hedgerow' ); ?>
				<code>hedgerow sites add "<?php echo esc_html( get_bloginfo( 'name' ) ); ?>" --origin <?php echo esc_html( $this->settings->blog_origin() ); ?></code></p>
			<?php settings_errors( $name ); ?>
			<form method="post" action="options.php">
				<?php settings_fields( self::PAGE ); ?>
				<table class="form-table" role="presentation">
					<tr>
						<th scope="row"><label for="hedgerow-url"><?php esc_html_e( 'Service URL', 'hedgerow' ); ?></label></th>
						<td><input type="url" class="regular-text code" id="hedgerow-url" name="<?php echo esc_attr( $name ); ?>[url]" value="<?php echo esc_attr( $all['url'] ); ?>" placeholder="https://hedgerow.example.com" />
						<p class="description"><?php esc_html_e( 'Where Hedgerow runs, as visitors\' browsers reach it.', 'hedgerow' ); ?></p></td>
					</tr>
					<tr>
						<th scope="row"><label for="hedgerow-sitekey"><?php esc_html_e( 'Sitekey', 'hedgerow' ); ?></label></th>
						<td><input type="text" class="regular-text code" id="hedgerow-sitekey" name="<?php echo esc_attr( $name ); ?>[sitekey]" value="<?php echo esc_attr( $all['sitekey'] ); ?>" autocomplete="off" /></td>
					</tr>
					<tr>
						<th scope="row"><label for="hedgerow-secret"><?php esc_html_e( 'Secret', 'hedgerow' ); ?></label></th>
						<td><input type="password" class="regular-text code" id="hedgerow-secret" name="<?php echo esc_attr( $name ); ?>[secret]" value="" autocomplete="new-password" />
						<p class="description" id="hedgerow-secret-state">
						<?php
						if ( $this->settings->has_secret() ) {
							esc_html_e( 'A secret is stored. It is never shown; leave the field empty to keep it.', 'hedgerow' );
						} else {
							esc_html_e( 'No secret is stored yet. Paste the secret that "hedgerow sites add" printed.', 'hedgerow' );
						}
						?>
						</p></td>
					</tr>
					<tr>
						<th scope="row"><?php esc_html_e( 'Protect', 'hedgerow' ); ?></th>
						<td><fieldset>
						<?php foreach ( $labels as $form => $label ) : ?>
							<label><input type="checkbox" name="<?php echo esc_attr( $name . '[forms][' . $form . ']' ); ?>" value="1" <?php checked( $all['forms'][ $form ] ); ?> /> <?php echo esc_html( $label ); ?></label><br />
						<?php endforeach; ?>
						<p class="description"><?php esc_html_e( 'Every comment is checked for spam whichever forms show the question. Users who can moderate comments never see it.', 'hedgerow' ); ?></p>
						</fieldset></td>
					</tr>
				</table>
				<?php submit_button(); ?>
			</form>
			<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
				<input type="hidden" name="action" value="hedgerow_test_connection" />
				<?php wp_nonce_field( 'hedgerow_test_connection' ); ?>
				<?php submit_button( __( 'Test connection', 'hedgerow' ), 'secondary', 'hedgerow-test', false ); ?>
			</form>
		</div>
		<?php
	}

	/**
	 * Checks the stored settings against `/1.1/verify-key` and reports on the settings page.
	 */
	public function test_connection() {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'You are not allowed to change these settings.', 'hedgerow' ), 403 );
		}
		check_admin_referer( 'hedgerow_test_connection' );
		if ( ! $this->settings->configured() ) {
			$result = array( 'error', __( 'Save the service URL, sitekey and secret first.', 'hedgerow' ) );
		} else {
			$verified = $this->client->verify_key();
			if ( true === $verified ) {
				$this->client->note_success();
				/* translators: 1: service URL, 2: this site's origin. */
				$result = array( 'success', sprintf( __( 'Connected: %1$s accepts this secret for %2$s.', 'hedgerow' ), $this->settings->url(), $this->settings->blog_origin() ) );
			} else {
				/* translators: %s: what the service or the connection said. */
				$result = array( 'error', sprintf( __( 'The connection test failed: %s', 'hedgerow' ), $verified->get_error_message() ) );
			}
		}
		set_transient( 'hedgerow_test_' . get_current_user_id(), $result, 60 );
		wp_safe_redirect( admin_url( 'options-general.php?page=' . self::PAGE ) );
		exit;
	}

	/**
	 * The connection test's result, an unconfigured plugin, and one notice while the
	 * service cannot be reached.
	 */
	public function notices() {
		$screen = get_current_screen();
		if ( current_user_can( 'manage_options' ) && $screen && 'settings_page_' . self::PAGE === $screen->id ) {
			$key    = 'hedgerow_test_' . get_current_user_id();
			$result = get_transient( $key );
			if ( is_array( $result ) && 2 === count( $result ) ) {
				delete_transient( $key );
				printf(
					'<div class="notice notice-%1$s hedgerow-test-result"><p>%2$s</p></div>',
					'success' === $result[0] ? 'success' : 'error',
					esc_html( $result[1] )
				);
			}
		}
		if ( ! current_user_can( 'moderate_comments' ) ) {
			return;
		}
		if ( ! $this->settings->configured() ) {
			if ( current_user_can( 'manage_options' ) && $screen && in_array( $screen->id, array( 'plugins', 'edit-comments' ), true ) ) {
				printf(
					'<div class="notice notice-warning"><p>%s <a href="%s">%s</a></p></div>',
					esc_html__( 'Hedgerow is not configured yet: comments are not checked.', 'hedgerow' ),
					esc_url( admin_url( 'options-general.php?page=' . self::PAGE ) ),
					esc_html__( 'Configure it', 'hedgerow' )
				);
			}
			return;
		}
		$outage = $this->outage->current();
		if ( null === $outage ) {
			return;
		}
		$message = sprintf(
			/* translators: 1: date and time, 2: number of comments, 3: the last error. */
			_n(
				'Hedgerow has not answered since %1$s; %2$d comment was held for moderation unchecked. Last error: %3$s',
				'Hedgerow has not answered since %1$s; %2$d comments were held for moderation unchecked. Last error: %3$s',
				$outage['held'],
				'hedgerow'
			),
			wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $outage['since'] ),
			$outage['held'],
			$outage['error']
		);
		printf( '<div class="notice notice-error hedgerow-outage"><p>%s</p></div>', esc_html( $message ) );
	}

	/**
	 * A "Hedgerow" column in the comment list.
	 *
	 * @param array<string, string> $columns The list's columns.
	 * @return array<string, string>
	 */
	public function columns( $columns ) {
		$columns['hedgerow'] = __( 'Hedgerow', 'hedgerow' );
		return $columns;
	}

	/**
	 * The verdict, score and reasons of one comment.
	 *
	 * @param string $column     The column being printed.
	 * @param int    $comment_id The comment.
	 */
	public function column( $column, $comment_id ) {
		if ( 'hedgerow' !== $column ) {
			return;
		}
		$action = (string) get_comment_meta( $comment_id, Hedgerow_Comments::META_ACTION, true );
		if ( '' === $action ) {
			echo '&#8212;';
			return;
		}
		$labels  = array(
			'accept'                     => __( 'Accepted', 'hedgerow' ),
			'hold'                       => __( 'Held', 'hedgerow' ),
			'discard'                    => __( 'Spam', 'hedgerow' ),
			Hedgerow_Comments::UNCHECKED => __( 'Not checked', 'hedgerow' ),
		);
		$label   = isset( $labels[ $action ] ) ? $labels[ $action ] : $action;
		$score   = (string) get_comment_meta( $comment_id, Hedgerow_Comments::META_SCORE, true );
		$reasons = get_comment_meta( $comment_id, Hedgerow_Comments::META_REASONS, true );
		echo '<div class="hedgerow-verdict hedgerow-' . esc_attr( $action ) . '"><strong>' . esc_html( $label ) . '</strong>';
		if ( Hedgerow_Comments::UNCHECKED !== $action && '' !== $score ) {
			/* translators: %s: spam score between 0 and 1. */
			echo ' ' . esc_html( sprintf( __( '(score %s)', 'hedgerow' ), number_format_i18n( (float) $score, 2 ) ) );
		}
		if ( is_array( $reasons ) && $reasons ) {
			echo '<ul class="hedgerow-reasons">';
			foreach ( $reasons as $reason ) {
				echo '<li>' . esc_html( (string) $reason ) . '</li>';
			}
			echo '</ul>';
		}
		$feedback = (string) get_comment_meta( $comment_id, Hedgerow_Comments::META_FEEDBACK, true );
		if ( '' !== $feedback ) {
			echo '<p class="hedgerow-feedback">' . esc_html( 'spam' === $feedback ? __( 'Reported to Hedgerow as spam', 'hedgerow' ) : __( 'Reported to Hedgerow as not spam', 'hedgerow' ) ) . '</p>';
		}
		echo '</div>';
	}
}
